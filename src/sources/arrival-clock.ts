/** The smallest step between two arrivals: 1 µs, far below any sensor's period. */
const STEP_MS = 0.001;

/**
 * Arrival times that never repeat or go back: two messages of a burst often arrive in the same
 * millisecond, and stamped alike the second would be rejected as a DUPLICATE_TIMESTAMP; a
 * wall clock stepped back by NTP would make every frame OUT_OF_ORDER for a while.
 */
export function arrivalClock(now: () => number = Date.now): () => number {
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    last = Math.max(now(), last + STEP_MS);
    return last;
  };
}
