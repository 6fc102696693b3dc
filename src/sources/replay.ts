import { type SchedulerLike, Subscription } from 'rxjs';
import type { Frame } from '../frame.js';

/** What `pull` found: a frame, nothing yet (a followed file that may grow) or the end. */
export type Pulled = Frame | 'wait' | 'end';

export interface ReplayOptions {
  /** The next frame; called only when the previous one has been emitted. */
  pull: () => Pulled;
  emit: (frame: Frame) => void;
  complete: () => void;
  /** `max`: as fast as possible; a number: that many times real time, paced by the frames' timestamps. */
  speed: number | 'max';
  /** Frames emitted per scheduler turn at speed `max`, so a big file does not block the event loop. */
  batch: number;
  /** Called before each pull: a promise means "not now", and pulling goes on once it settles. @default always ready */
  ready?: () => Promise<void> | undefined;
  /** How long to wait after `wait` before pulling again. */
  pollMs: number;
  /** Reads time and schedules: an RxJS scheduler, so tests run in virtual time. */
  scheduler: SchedulerLike;
}

/**
 * Replays frames pulled one by one. Paced replay emits the first frame at once and each later
 * frame when `(t - t0) / speed` has passed on the scheduler's clock since then; a frame whose
 * time has passed (or that goes back in time) is emitted at once. Unsubscribe to stop.
 */
export function replay(options: ReplayOptions): Subscription {
  const { scheduler, speed } = options;
  const subscription = new Subscription();
  let pending: Frame | undefined;
  let anchor: { now: number; t: number } | undefined;

  const later = (delay: number) => {
    subscription.add(scheduler.schedule(step, delay));
  };

  function step(): void {
    let emitted = 0;
    for (;;) {
      if (subscription.closed) return;
      if (pending === undefined) {
        const notYet = options.ready?.();
        if (notYet) {
          const resume = () => later(0);
          notYet.then(resume, resume);
          return;
        }
        const pulled = options.pull();
        if (pulled === 'end') {
          options.complete();
          return;
        }
        if (pulled === 'wait') {
          later(options.pollMs);
          return;
        }
        pending = pulled;
      }
      if (speed !== 'max') {
        anchor ??= { now: scheduler.now(), t: pending.t };
        const wait = anchor.now + (pending.t - anchor.t) / speed - scheduler.now();
        if (wait > 0) {
          later(wait);
          return;
        }
      }
      const frame = pending;
      pending = undefined;
      options.emit(frame);
      if (speed === 'max' && ++emitted >= options.batch) {
        later(0);
        return;
      }
    }
  }

  later(0);
  return subscription;
}
