/** How long to wait before retrying a connection or restarting a child process. */
export interface BackoffOptions {
  /** The ceiling of the first delay. @default 500 */
  initialMs?: number;
  /** No delay exceeds this. @default 30000 */
  maxMs?: number;
  /** Each failure multiplies the ceiling by this. @default 2 */
  factor?: number;
  /** Uniform in [0, 1); injected so tests are reproducible. @default Math.random */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: the delay is uniform in [0, min(max, initial * factor^attempt)).
 * Without jitter, hosts that lost the same broker at the same moment retry at the same moments
 * for ever, and every retry is a storm.
 */
export class Backoff {
  #attempt = 0;
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.#initial = options.initialMs ?? 500;
    this.#max = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#random = options.random ?? Math.random;
  }

  /** Failures since the last success. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next try; counts one more failure. */
  next(): number {
    return fullJitter(this.#attempt++, { baseMs: this.#initial, capMs: this.#max, factor: this.#factor }, this.#random);
  }

  /** After a success: the next failure waits short again. */
  reset(): void {
    this.#attempt = 0;
  }
}

export interface JitterOptions {
  /** Delay ceiling of the first retry, in milliseconds. */
  baseMs: number;
  /** Largest delay ceiling, in milliseconds. */
  capMs: number;
  /** @default 2 */
  factor?: number;
}

/**
 * "Full jitter" (AWS architecture blog): a uniform delay in [0, min(cap, base * factor^attempt)), so
 * many clients that failed together do not retry together.
 */
export function fullJitter(attempt: number, options: JitterOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * (options.factor ?? 2) ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks why it woke). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
