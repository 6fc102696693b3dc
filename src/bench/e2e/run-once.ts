import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecurChild } from '../../testing/recur-child.js';
import type { InfluxdServer, MosquittoServer } from '../../testing/servers.js';
import { writeBenchPipeline } from './pipeline-files.js';
import { CpuMeter, RssSampler } from './proc-stats.js';
import { diffBuckets, histogramOf, metricValue, quantileOf, type Sample } from './prometheus.js';
import { type Publisher, startPublisher } from './publisher-process.js';
import type { E2eRun } from './report.js';

export interface RunSettings {
  streams: number;
  rate: number;
  seconds: number;
  warmup: number;
  qos: 0 | 1;
  drainSeconds: number;
  batchSize: number;
  flushMs: number;
  modelDir: string;
  /** Node flags for the recur child (--cpu-prof ...). */
  nodeArgs: string[];
  /** Run recur with the ingest log. */
  durable: boolean;
}

/** Where a run is, for the progress display. */
export interface RunProgress {
  phase: 'starting' | 'priming' | 'warm-up' | 'measuring' | 'draining';
  /** Seconds into warm-up + window. */
  elapsed: number;
  published: number;
  written: number;
}

type Servers = { mosquitto: MosquittoServer; influx: InfluxdServer };

const SINK = { sink: 'influx' };
const PRIME_TIMEOUT_MS = 60_000;
const AGE = 'recur_result_age_seconds';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const written = (samples: Sample[]) => metricValue(samples, 'recur_points_written_total', SINK);
const rejected = (samples: Sample[]) => metricValue(samples, 'recur_errors_total');
const toMs = (seconds: number | undefined) => (seconds === undefined ? null : Number((seconds * 1000).toFixed(2)));

async function countStored(influx: InfluxdServer, database: string): Promise<number | null> {
  try {
    const answer = (await influx.query(database, 'SELECT count("next") FROM bench_forecast')) as { results: { series?: { values: unknown[][] }[] }[] };
    return Number(answer.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
  } catch {
    return null;
  }
}

/** A run's processes and where it reports progress. */
interface Run {
  settings: RunSettings;
  recur: RecurChild;
  publisher: Publisher;
  progress: (p: RunProgress) => void;
}

/** One frame per stream, written, before the clock starts: stream state and series exist. */
async function prime({ recur, publisher, progress }: Run): Promise<void> {
  const primed = await publisher.prime();
  const deadline = performance.now() + PRIME_TIMEOUT_MS;
  for (let samples = await recur.scrape(); written(samples) + rejected(samples) < primed.published; samples = await recur.scrape()) {
    if (performance.now() > deadline) throw new Error(`recur did not write the ${primed.published} priming frames within ${PRIME_TIMEOUT_MS} ms`);
    progress({ phase: 'priming', elapsed: 0, published: primed.published, written: written(samples) });
    await sleep(100);
  }
}

/** Ramp and warm-up, then the measured window between two scrapes; resources are read during the window. */
async function loadAndMeasure({ settings, recur, publisher, progress }: Run, servers: Servers) {
  const began = performance.now();
  const elapsed = () => (performance.now() - began) / 1000;
  /** Waits until `until` seconds into the run, telling progress about once a second. */
  const waitUntil = async (until: number, phase: RunProgress['phase']) => {
    while (elapsed() < until) {
      await sleep(Math.min(1000, (until - elapsed()) * 1000));
      const [count, samples] = await Promise.all([publisher.count(), recur.scrape()]);
      progress({ phase, elapsed: elapsed(), published: count.published, written: written(samples) });
    }
  };
  publisher.start();
  await waitUntil(settings.warmup, 'warm-up');
  const cpu = new CpuMeter({ recur: recur.pid, publisher: publisher.pid, mosquitto: servers.mosquitto.pid, influxd: servers.influx.pid });
  const rss = new RssSampler(recur.pid);
  const [startCount, start] = await Promise.all([publisher.count(), recur.scrape()]);
  const windowBegan = performance.now();
  cpu.start();
  rss.start();
  await waitUntil(settings.warmup + settings.seconds, 'measuring');
  const [endCount, end] = await Promise.all([publisher.count(), recur.scrape()]);
  return { startCount, start, endCount, end, seconds: (performance.now() - windowBegan) / 1000, cpuCores: cpu.stop(), rssMb: rss.stop(), elapsed };
}

/** Stops the load and gives recur `drainSeconds` to write what it holds; then stops it (SIGTERM) if it did, else kills it. */
async function drain({ settings, recur, publisher, progress }: Run, elapsed: () => number) {
  const final = await publisher.stop();
  const deadline = performance.now() + settings.drainSeconds * 1000;
  let last = await recur.scrape();
  let drained = false;
  for (;;) {
    progress({ phase: 'draining', elapsed: elapsed(), published: final.published, written: written(last) });
    drained = written(last) + rejected(last) >= final.published;
    if (drained || performance.now() > deadline) break;
    await sleep(200);
    last = await recur.scrape();
  }
  if (drained) await recur.stop();
  else recur.kill();
  return { published: final.published, last, drained };
}

/**
 * One run: a fresh recur child and publisher; priming, warm-up, a measured window between two
 * scrapes of recur's /metrics, then the publisher stops and recur gets `drainSeconds` to write the rest.
 */
export async function runOnce(settings: RunSettings, servers: Servers, index: number, progress: (p: RunProgress) => void): Promise<E2eRun> {
  const dir = mkdtempSync(join(tmpdir(), 'recur-bench-e2e-'));
  const database = `recur_bench_${index}`;
  const prefix = `bench${index}`;
  const { mosquitto, influx } = servers;
  const pipeline = writeBenchPipeline(dir, { ...settings, brokerUrl: mosquitto.url, influxUrl: influx.url, database, prefix });
  progress({ phase: 'starting', elapsed: 0, published: 0, written: 0 });
  let recur: RecurChild | undefined;
  let publisher: Publisher | undefined;
  try {
    recur = new RecurChild(pipeline, { cwd: dir, nodeArgs: settings.nodeArgs, logLevel: 'debug' });
    await recur.ready({ until: 'subscribed' });
    const { streams, rate, qos } = settings;
    publisher = await startPublisher({ url: mosquitto.url, streams, rate, rampSeconds: settings.warmup / 2, qos, prefix });
    const run: Run = { settings, recur, publisher, progress };
    await prime(run);
    const w = await loadAndMeasure(run, servers);
    const end = await drain(run, w.elapsed);

    const ages = diffBuckets(histogramOf(w.end, AGE, SINK), histogramOf(w.start, AGE, SINK));
    const ageCount = metricValue(w.end, `${AGE}_count`, SINK) - metricValue(w.start, `${AGE}_count`, SINK);
    const ageSum = metricValue(w.end, `${AGE}_sum`, SINK) - metricValue(w.start, `${AGE}_sum`, SINK);
    const writtenInWindow = written(w.end) - written(w.start);
    const publishedInWindow = w.endCount.published - w.startCount.published;
    return {
      streams,
      framesPerSec: Math.round(writtenInWindow / w.seconds),
      p50Ms: toMs(quantileOf(ages, 0.5)),
      p99Ms: toMs(quantileOf(ages, 0.99)),
      rssMb: Number(w.rssMb.toFixed(1)),
      targetRate: rate,
      offeredPerSec: Math.round(publishedInWindow / w.seconds),
      keptUp: writtenInWindow >= 0.97 * publishedInWindow,
      backlog: { start: w.startCount.published - written(w.start), end: w.endCount.published - written(w.end) },
      skippedPerSec: Math.round((w.endCount.skipped - w.startCount.skipped) / w.seconds),
      meanMs: ageCount > 0 ? toMs(ageSum / ageCount) : null,
      windowSeconds: Number(w.seconds.toFixed(2)),
      qos,
      durable: settings.durable,
      published: end.published,
      written: written(end.last),
      stored: end.drained ? await countStored(influx, database) : null,
      errors: rejected(end.last),
      drained: end.drained,
      cpuCores: w.cpuCores,
      problems: [...recur.problems],
    };
  } finally {
    publisher?.kill();
    recur?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
