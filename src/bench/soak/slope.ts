/** RSS growth of `recur bench soak`: a least-squares slope per recur process, then their weighted mean. */

export interface RssSample {
  /** Milliseconds since the load began. */
  readonly tMs: number;
  readonly mb: number;
  /** Which recur process (0, then 1 after the first kill, ...). */
  readonly segment: number;
}

export interface SegmentSlope {
  readonly segment: number;
  /** Samples used (after the segment's warm-up) and the time they span. */
  readonly samples: number;
  readonly hours: number;
  readonly mbPerHour: number;
}

const MS_PER_HOUR = 3_600_000;

/** The least-squares slope of y against x; undefined for fewer than two distinct x. */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number | undefined {
  const n = xs.length;
  if (n < 2) return undefined;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - meanX) * (ys[i] - meanY);
    sxx += (xs[i] - meanX) ** 2;
  }
  return sxx > 0 ? sxy / sxx : undefined;
}

/** A stretch of time whose samples are left out (an outage and its catch-up: results queue, then drain). */
export interface Excluded {
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * The slope of each process lifetime, without its first `warmupMs` (heap and JIT settle, a
 * restarted process replays its log) and without the `excluded` stretches: a kill resets RSS,
 * so one line through all samples would read the restarts, not growth, and an outage's temporary
 * bump would tilt the line by tens of MB/h depending on where it falls. Segments with fewer than
 * `minSamples` samples left are skipped.
 */
export function segmentSlopes(samples: readonly RssSample[], warmupMs: number, excluded: readonly Excluded[] = [], minSamples = 3): SegmentSlope[] {
  const bySegment = new Map<number, RssSample[]>();
  for (const sample of samples) {
    const list = bySegment.get(sample.segment) ?? [];
    list.push(sample);
    bySegment.set(sample.segment, list);
  }
  const slopes: SegmentSlope[] = [];
  for (const [segment, list] of bySegment) {
    const start = list[0].tMs;
    const kept = list.filter((s) => s.tMs - start >= warmupMs && !excluded.some((e) => s.tMs >= e.fromMs && s.tMs <= e.toMs));
    if (kept.length < minSamples) continue;
    const slope = leastSquaresSlope(
      kept.map((s) => s.tMs / MS_PER_HOUR),
      kept.map((s) => s.mb),
    );
    if (slope === undefined) continue;
    slopes.push({ segment, samples: kept.length, hours: (kept.at(-1)!.tMs - kept[0].tMs) / MS_PER_HOUR, mbPerHour: slope });
  }
  return slopes;
}

/** The segments' slopes weighted by the time each spans (a long lifetime says more than a short one); null without any. */
export function weightedSlope(slopes: readonly SegmentSlope[]): number | null {
  const hours = slopes.reduce((sum, s) => sum + s.hours, 0);
  if (hours <= 0) return null;
  return slopes.reduce((sum, s) => sum + s.mbPerHour * s.hours, 0) / hours;
}
