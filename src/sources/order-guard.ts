import { type MonoTypeOperatorFunction, Observable } from 'rxjs';
import { RecurError } from '../errors.js';
import type { Frame } from '../frame.js';

/**
 * The verdict on one frame: undefined passes it; `'repeat'` is the stream's last frame again (the
 * same timestamp and the same values), an at-least-once duplicate such as a QoS 1 message a
 * publisher sent again after losing its PUBACK, dropped without complaint; an error is bad input.
 */
export type OrderVerdict = RecurError | 'repeat' | undefined;

/**
 * Remembers each stream's last frame and judges the next frame of that stream: older is
 * OUT_OF_ORDER; the same timestamp is a repeat when the values are equal too, else
 * DUPLICATE_TIMESTAMP. Streams are independent: one stream's late frame says nothing about
 * another's. Memory grows with the number of streams seen.
 */
export class OrderGuard {
  readonly #last = new Map<string, Frame>();

  /** See OrderVerdict; a frame that passes becomes its stream's last. */
  check(frame: Frame): OrderVerdict {
    const last = this.#last.get(frame.stream);
    if (last !== undefined && frame.t < last.t) {
      return new RecurError('RECUR_E_OUT_OF_ORDER', `stream '${frame.stream}': expected a timestamp after ${last.t}, received ${frame.t}`, {
        stream: frame.stream,
        last: last.t,
        t: frame.t,
      });
    }
    if (last !== undefined && last.t === frame.t) {
      if (sameValues(last.values, frame.values)) return 'repeat';
      return new RecurError(
        'RECUR_E_DUPLICATE_TIMESTAMP',
        `stream '${frame.stream}': expected a timestamp after ${last.t}, received the same again with other values`,
        { stream: frame.stream, t: frame.t },
      );
    }
    this.#last.set(frame.stream, frame);
    return undefined;
  }
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Drops frames that are out of order or repeat their stream's last timestamp, handing each to `onReject` (exact repeats are dropped quietly). */
export function orderGuard(onReject: (frame: Frame, error: RecurError) => void): MonoTypeOperatorFunction<Frame> {
  return (source) =>
    new Observable<Frame>((subscriber) => {
      const guard = new OrderGuard();
      return source.subscribe({
        next: (frame) => {
          const verdict = guard.check(frame);
          if (verdict === undefined) subscriber.next(frame);
          else if (verdict !== 'repeat') onReject(frame, verdict);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
