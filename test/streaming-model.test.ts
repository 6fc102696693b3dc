import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { randomFloats, seededRandom } from './helpers/random.js';
import { smallModel } from './helpers/small-model.js';

const x = (n: number, seed = 1) => randomFloats(n * 3, seededRandom(seed), 1);

describe('StreamingModel bookkeeping', () => {
  it('gives each stream its own state, zero on first sight', () => {
    const model = smallModel({ kernel: 'js' });
    const first = model.step(['a'], x(1));
    model.step(['a'], x(1, 2));
    // b is new, so with a's first input it must give a's first output.
    expect([...model.step(['b'], x(1))]).toEqual([...first]);
    expect(model.streamCount).toBe(2);
    expect(model.reset('a')).toBe(true);
    expect(model.reset('a')).toBe(false);
    expect([...model.step(['a'], x(1))]).toEqual([...first]);
  });

  it('evicts streams idle longer than asked, by the injected clock', () => {
    let now = 1000;
    const model = smallModel({ now: () => now });
    model.step(['a', 'b'], x(2));
    now = 5000;
    model.step(['b'], x(1));
    expect(model.evictIdle(3000)).toBe(1);
    expect(model.has('a')).toBe(false);
    expect(model.has('b')).toBe(true);
    // A freed slot is reused from zero.
    const fresh = smallModel();
    expect([...model.step(['c'], x(1, 9))]).toEqual([...fresh.step(['c'], x(1, 9))]);
  });

  it('refuses a batch naming a stream twice without touching any state', () => {
    const model = smallModel();
    model.step(['a'], x(1));
    const snapshot = model.snapshot();
    expect(() => model.step(['a', 'new', 'a'], x(3))).toThrow(expect.objectContaining({ code: ErrorCodes.INPUT_SHAPE }));
    expect(model.has('new')).toBe(false);
    expect(Buffer.from(model.snapshot()).equals(Buffer.from(snapshot))).toBe(true);
  });

  it('refuses wrong sizes and non-finite inputs, naming the stream', () => {
    const model = smallModel();
    expect(() => model.step(['a'], new Float32Array(2))).toThrow(/expected 1 streams x 3 inputs = 3 values, received 2/);
    expect(() => model.step(['a', 'b'], Float32Array.of(0, 0, 0, 0, Number.NaN, 0))).toThrow(expect.objectContaining({ code: ErrorCodes.NON_FINITE }));
    expect(() => model.step(['a', 'b'], Float32Array.of(0, 0, 0, 0, Number.NaN, 0))).toThrow(/stream 'b' input 1 is NaN/);
    expect(model.streamCount).toBe(0);
  });

  it('remembers the last frame timestamp of each stream, through snapshots', () => {
    const model = smallModel();
    model.step(['a', 'b'], x(2), [100, 200]);
    model.step(['a'], x(1), [150]);
    const copy = smallModel();
    copy.restore(model.snapshot());
    expect(copy.lastTimestamp('a')).toBe(150);
    expect(copy.lastTimestamp('b')).toBe(200);
    expect(copy.lastTimestamp('c')).toBeUndefined();
  });
});

describe('snapshots', () => {
  it('restore continues bit-identically, with unicode stream ids', () => {
    const model = smallModel({ kernel: 'wasm' }, 'lstm');
    const ids = ['plant/α', 'tank 2', '温度'];
    model.step(ids, x(3));
    const copy = smallModel({ kernel: 'wasm' }, 'lstm');
    copy.restore(model.snapshot());
    expect(copy.streamCount).toBe(3);
    expect(Buffer.from(copy.step(ids, x(3, 5)).buffer).equals(Buffer.from(model.step(ids, x(3, 5)).buffer))).toBe(true);
  });

  it('refuses a snapshot with a flipped byte, a truncated one, and one from another model', () => {
    const model = smallModel();
    model.step(['a', 'b'], x(2));
    const bytes = model.snapshot();
    const flipped = bytes.slice();
    flipped[40] ^= 0x10;
    expect(() => smallModel().restore(flipped)).toThrow(/checksum mismatch/);
    expect(() => smallModel().restore(bytes.subarray(0, bytes.length - 9))).toThrow(expect.objectContaining({ code: ErrorCodes.SNAPSHOT }));
    expect(() => smallModel({}, 'gru', 3, 5, 2).restore(bytes)).toThrow(/snapshot was made by another model/);
    expect(() => smallModel().restore(new Uint8Array(100))).toThrow(/not a recur snapshot/);
    // A refused restore leaves the target as it was.
    const target = smallModel();
    target.step(['keep'], x(1));
    expect(() => target.restore(flipped)).toThrow();
    expect(target.has('keep')).toBe(true);
  });
});

describe('kernel selection', () => {
  it('honours RECUR_KERNEL and refuses unknown names', async () => {
    const { kernelPreferenceFromEnv } = await import('../src/rnn/kernels/select.js');
    expect(kernelPreferenceFromEnv({ RECUR_KERNEL: 'js' })).toBe('js');
    expect(kernelPreferenceFromEnv({})).toBe('auto');
    expect(() => kernelPreferenceFromEnv({ RECUR_KERNEL: 'gpu' })).toThrow(/RECUR_KERNEL must be 'js', 'wasm' or 'auto', got 'gpu'/);
    expect(smallModel({ kernel: 'auto' }).kernelName).toBe('wasm');
  });
});
