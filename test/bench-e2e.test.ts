import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { findMaxRate, sustained } from '../src/bench/e2e/find-max.js';
import { diffBuckets, histogramOf, metricValue, parsePrometheus, quantileOf } from '../src/bench/e2e/prometheus.js';
import type { E2eReport, E2eRun } from '../src/bench/e2e/report.js';

const root = fileURLToPath(new URL('../', import.meta.url));

describe('quantiles from a Prometheus histogram', () => {
  it('interpolates inside the bucket holding the rank, as histogram_quantile does', () => {
    // 10 in (0, 1], 30 in (1, 2], 60 in (2, 4], none above.
    const h = { bounds: [1, 2, 4, Number.POSITIVE_INFINITY], counts: [10, 40, 100, 100] };
    expect(quantileOf(h, 0.05)).toBeCloseTo(0.5); // rank 5 of 10 in the first bucket, from 0
    expect(quantileOf(h, 0.25)).toBeCloseTo(1.5); // rank 25: 15 of 30 into (1, 2]
    expect(quantileOf(h, 0.5)).toBeCloseTo(2 + 2 * (10 / 60));
    expect(quantileOf(h, 1)).toBeCloseTo(4);
    // A rank in the +Inf bucket answers the highest finite bound; no observations, no answer.
    expect(quantileOf({ bounds: [1, Number.POSITIVE_INFINITY], counts: [1, 10] }, 0.99)).toBe(1);
    expect(quantileOf({ bounds: [1, Number.POSITIVE_INFINITY], counts: [0, 0] }, 0.5)).toBeUndefined();
  });

  it("reads prom-client's text, and the window between two scrapes is their difference", async () => {
    const registry = new Registry();
    const age = new Histogram({ name: 'age_seconds', help: 'h', labelNames: ['sink'], buckets: [0.01, 0.1, 1], registers: [registry] });
    for (let i = 0; i < 100; i++) age.observe({ sink: 'other' }, 0.5);
    for (let i = 0; i < 50; i++) age.observe({ sink: 'influx' }, 5); // before the window
    const before = parsePrometheus(await registry.metrics());
    for (let i = 0; i < 100; i++) age.observe({ sink: 'influx' }, 0.001 + (0.099 * i) / 99); // uniform in (0.001, 0.1)
    const after = parsePrometheus(await registry.metrics());
    const window = diffBuckets(histogramOf(after, 'age_seconds', { sink: 'influx' }), histogramOf(before, 'age_seconds', { sink: 'influx' }));
    expect(window.counts.at(-1)).toBe(100);
    expect(quantileOf(window, 0.99)).toBeGreaterThan(0.09);
    expect(quantileOf(window, 0.99)).toBeLessThanOrEqual(0.1);
    expect(metricValue(after, 'age_seconds_count', { sink: 'influx' }) - metricValue(before, 'age_seconds_count', { sink: 'influx' })).toBe(100);
  });
});

describe('searching the highest sustained rate', () => {
  const run = (rate: number, capacity: number): E2eRun =>
    ({
      targetRate: rate,
      offeredPerSec: rate,
      framesPerSec: Math.min(rate, capacity),
      keptUp: rate <= capacity,
      p99Ms: rate <= capacity ? 100 : 5000,
    }) as E2eRun;

  it('steps up while sustained and down until sustained', async () => {
    const up = await findMaxRate(10_000, 250, async (rate) => run(rate, 16_000));
    expect(up.runs.map((r) => r.targetRate)).toEqual([10_000, 12_000, 14_400, 17_280]);
    expect(up.best?.targetRate).toBe(14_400);
    const down = await findMaxRate(10_000, 250, async (rate) => run(rate, 7_000));
    expect(down.runs.map((r) => r.targetRate)).toEqual([10_000, 8_000, 6_400]);
    expect(down.best?.targetRate).toBe(6_400);
    expect(sustained({ ...run(100, 200), p99Ms: null }, 250)).toBe(false);
  });
});

describe('recur bench e2e (smoke: real mosquitto, recur run and influxd)', () => {
  it('prints the JSON report, and writes every frame published at a rate it surely sustains', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['dist/cli/main.js', 'bench', 'e2e', '--json', '--streams', '10', '--seconds', '2', '--rate', '200'],
      {
        cwd: root,
        timeout: 90_000,
      },
    );
    const report = JSON.parse(stdout) as E2eReport;
    expect(report.runs).toHaveLength(1);
    const [r] = report.runs;
    expect(r).toMatchObject({ streams: 10, targetRate: 200, qos: 1, drained: true, errors: 0 });
    for (const key of ['framesPerSec', 'p50Ms', 'p99Ms', 'rssMb', 'offeredPerSec']) expect(typeof r[key as keyof E2eRun]).toBe('number');
    expect(r.published).toBeGreaterThan(10);
    expect(r.written).toBe(r.published);
    expect(r.stored).toBe(r.published);
    expect(report.target.met).toBeNull(); // no 10,000-stream run
  }, 120_000);
});
