import type { E2eRun } from './report.js';

/** Steps of the search: up by this factor after a sustained run, down after one that was not. */
const UP = 1.2;
const DOWN = 0.8;
const MAX_STEPS = 4;

/** A run recur sustained: it kept pace with what was offered, the publisher offered what was asked, and p99 stayed under the bound. */
export function sustained(run: E2eRun, p99Ms: number): boolean {
  return run.keptUp && run.offeredPerSec >= 0.99 * run.targetRate && run.p99Ms !== null && run.p99Ms < p99Ms;
}

/**
 * The highest rate recur sustains, within a factor of 1.2: from `rate`, up while runs are
 * sustained, or down until one is (at most MAX_STEPS more runs). Returns every run made and
 * the best sustained one (undefined when none was).
 */
export async function findMaxRate(
  rate: number,
  p99Ms: number,
  measure: (rate: number) => Promise<E2eRun>,
): Promise<{ runs: E2eRun[]; best: E2eRun | undefined }> {
  const runs = [await measure(rate)];
  const goingUp = sustained(runs[0], p99Ms);
  let best = goingUp ? runs[0] : undefined;
  for (let step = 0; step < MAX_STEPS; step++) {
    rate = Math.round(rate * (goingUp ? UP : DOWN));
    const run = await measure(rate);
    runs.push(run);
    if (sustained(run, p99Ms)) {
      best = run;
      if (!goingUp) break;
    } else if (goingUp) {
      break;
    }
  }
  return { runs, best };
}
