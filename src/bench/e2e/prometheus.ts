/** Reading recur's /metrics (Prometheus text format): samples, counters, histograms and their quantiles. */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Cumulative bucket counts by upper bound (the last bound is +Infinity), as Prometheus keeps them. */
export interface BucketCounts {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function number(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: number(match[3]) });
  }
  return samples;
}

const matches = (sample: Sample, labels: Readonly<Record<string, string>>) => Object.entries(labels).every(([k, v]) => sample.labels[k] === v);

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
export function metricValue(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const sample of samples) if (sample.name === name && matches(sample, labels)) sum += sample.value;
  return sum;
}

/** The buckets of histogram `name` (without `_bucket`) for the series with `labels`, sorted by bound. */
export function histogramOf(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): BucketCounts {
  const buckets = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${name}_bucket` || !matches(sample, labels) || sample.labels.le === undefined) continue;
    const bound = number(sample.labels.le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + sample.value);
  }
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  return { bounds, counts: bounds.map((b) => buckets.get(b)!) };
}

/** What was observed between two scrapes: later minus earlier, bucket by bucket (same bounds). */
export function diffBuckets(later: BucketCounts, earlier: BucketCounts): BucketCounts {
  const before = new Map(earlier.bounds.map((b, i) => [b, earlier.counts[i]]));
  return { bounds: later.bounds, counts: later.bounds.map((b, i) => later.counts[i] - (before.get(b) ?? 0)) };
}

/**
 * The q-quantile (0..1) of a histogram, as Prometheus' histogram_quantile: find the bucket
 * holding rank q x count and interpolate linearly inside it (from 0 for the first bucket). A rank
 * in the +Inf bucket answers the highest finite bound (a lower bound of the truth). Undefined
 * without observations.
 */
export function quantileOf(histogram: BucketCounts, q: number): number | undefined {
  const { bounds, counts } = histogram;
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i] < rank) continue;
    if (bounds[i] === Number.POSITIVE_INFINITY) return i > 0 ? bounds[i - 1] : undefined;
    const lower = i === 0 ? 0 : bounds[i - 1];
    const below = i === 0 ? 0 : counts[i - 1];
    const inBucket = counts[i] - below;
    return inBucket > 0 ? lower + (bounds[i] - lower) * ((rank - below) / inBucket) : lower;
  }
  return bounds.at(-2);
}
