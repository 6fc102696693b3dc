import { type MonoTypeOperatorFunction, Observable } from 'rxjs';
import { RecurError } from '../errors.js';
import type { Frame } from '../frame.js';

/**
 * Remembers each stream's last timestamp and judges the next frame of that stream: older is
 * OUT_OF_ORDER, equal is DUPLICATE_TIMESTAMP. Streams are independent: one stream's late
 * frame says nothing about another's. Memory grows with the number of streams seen.
 */
export class OrderGuard {
  readonly #last = new Map<string, number>();

  /** Undefined when the frame may pass (and it becomes the stream's last), else why not. */
  check(frame: Frame): RecurError | undefined {
    const last = this.#last.get(frame.stream);
    if (last !== undefined && frame.t < last) {
      return new RecurError('RECUR_E_OUT_OF_ORDER', `stream '${frame.stream}': expected a timestamp after ${last}, received ${frame.t}`, {
        stream: frame.stream,
        last,
        t: frame.t,
      });
    }
    if (last === frame.t) {
      return new RecurError('RECUR_E_DUPLICATE_TIMESTAMP', `stream '${frame.stream}': expected a timestamp after ${last}, received the same again`, {
        stream: frame.stream,
        t: frame.t,
      });
    }
    this.#last.set(frame.stream, frame.t);
    return undefined;
  }
}

/** Drops frames that are out of order or repeat their stream's last timestamp, handing each to `onReject`. */
export function orderGuard(onReject: (frame: Frame, error: RecurError) => void): MonoTypeOperatorFunction<Frame> {
  return (source) =>
    new Observable<Frame>((subscriber) => {
      const guard = new OrderGuard();
      return source.subscribe({
        next: (frame) => {
          const error = guard.check(frame);
          if (error) onReject(frame, error);
          else subscriber.next(frame);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
