import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { RecurError } from '../src/errors.js';
import type { Frame } from '../src/frame.js';
import { online } from '../src/operators/online.js';
import { smallModel } from './helpers/small-model.js';

const frame = (stream: string, t: number, ...values: number[]): Frame => ({ stream, t, values: Float32Array.from(values) });

/** The outputs the model gives when the frames are stepped one by one, in order. */
function sequential(frames: Frame[]): Frame[] {
  const model = smallModel();
  return frames.map((f) => ({ stream: f.stream, t: f.t, values: model.step([f.stream], f.values) }));
}

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('online(model)', () => {
  it('steps the frames of one tick as one batch and keeps per-stream order', () => {
    const a1 = frame('a', 1, 0.1, 0.2, 0.3);
    const b1 = frame('b', 1, -0.5, 0.4, 0.1);
    const a2 = frame('a', 2, 0.9, -0.2, 0.0);
    const a3 = frame('a', 3, 0.3, 0.3, 0.3);
    const [x, y, z, w] = sequential([a1, b1, a2, a3]);
    const model = smallModel();
    const batches: string[][] = [];
    const step = model.step.bind(model);
    model.step = (streams, inputs, times) => {
      batches.push([...streams]);
      return step(streams, inputs, times);
    };
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      // a2 and a3 arrive in the same tick: two rounds, a2 first.
      const source = cold('(ab)-(cd)|', { a: a1, b: b1, c: a2, d: a3 });
      expectObservable(source.pipe(online(model, { scheduler: ts }))).toBe('(xy)-(zw)|', { x, y, z, w });
    });
    expect(batches).toEqual([['a', 'b'], ['a'], ['a']]);
  });

  it('hands refused frames to onReject and lets the rest through', () => {
    const good = frame('ok', 1, 1, 2, 3);
    const short = frame('short', 1, 1, 2);
    const nan = frame('nan', 1, 1, Number.NaN, 3);
    const rejected: [string, string][] = [];
    const [x] = sequential([good]);
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('(abc|)', { a: short, b: good, c: nan });
      const onReject = (f: Frame, e: RecurError) => rejected.push([f.stream, e.code]);
      expectObservable(source.pipe(online(smallModel(), { scheduler: ts, onReject }))).toBe('(x|)', { x });
    });
    expect(rejected).toEqual([
      ['short', 'RECUR_E_INPUT_SHAPE'],
      ['nan', 'RECUR_E_NON_FINITE'],
    ]);
  });

  it('without onReject, a bad frame errors the stream with its code', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('a', { a: frame('short', 1, 1) });
      expectObservable(source.pipe(online(smallModel(), { scheduler: ts }))).toBe('#', undefined, expect.objectContaining({ code: 'RECUR_E_INPUT_SHAPE' }));
    });
  });

  it('flushes what is pending on completion and cancels the flush on unsubscribe', async () => {
    const model = smallModel();
    const source = new Subject<Frame>();
    const seen: Frame[] = [];
    const subscription = source.pipe(online(model)).subscribe((f) => seen.push(f));
    source.next(frame('a', 1, 1, 2, 3));
    subscription.unsubscribe();
    await Promise.resolve();
    expect(seen).toHaveLength(0);
    expect(model.streamCount).toBe(0);

    const completed = new Subject<Frame>();
    completed.pipe(online(model)).subscribe((f) => seen.push(f));
    completed.next(frame('b', 1, 1, 2, 3));
    completed.complete();
    expect(seen.map((f) => f.stream)).toEqual(['b']);
  });
});
