import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDemoModel } from '../../cli/commands/fixtures.js';
import { type InfluxdServer, type MosquittoServer, startInfluxd, startMosquitto } from '../../testing/servers.js';
import { benchStateDir, writeBenchPipeline } from '../e2e/pipeline-files.js';
import { type Publisher, startPublisher } from '../e2e/publisher-process.js';
import { type FaultKind, type FaultRecord, faultSchedule, injectFault } from './faults.js';
import { renderPlot } from './plot.js';
import { type SoakProgress, soakProgressView } from './progress.js';
import { RecurLifetimes } from './recur-lifetimes.js';
import { formatSoakReport, type SoakReport, type SoakSettings } from './report.js';
import { SoakSampler } from './sampler.js';
import { segmentSlopes, weightedSlope } from './slope.js';
import { expectedPerStream, shortfalls, storedPerStream, storedTotal } from './stored.js';

export interface SoakBenchOptions {
  json: boolean;
  /** Seconds of load (--minutes x 60). */
  seconds: number;
  streams: number;
  rate: number;
  faultEverySeconds: number;
  faults: FaultKind[];
  influxOutageSeconds: number;
  sampleSeconds: number;
  drainSeconds: number;
  snapshotEverySeconds: number;
  /** Seconds of each recur process's life left out of the RSS slope (half the load at most). */
  warmupSeconds: number;
  plot?: string;
  keep: boolean;
}

const DATABASE = 'recur_soak';
const PREFIX = 'soak';
/** Fixed, with clean: false: the broker and mqtt.js keep the publisher's QoS 1 messages over a broker restart. */
const PUBLISHER_ID = 'recur-soak-publisher';
const DRAIN_POLL_MS = 2_000;
/**
 * RSS samples from an influxd outage's start until this long after it is over are left out of
 * the slope: results queue in memory meanwhile, and the sink's retry backoff (up to 30 s) and the
 * catch-up follow.
 */
const OUTAGE_SETTLE_SECONDS = 45;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Polls InfluxDB until it holds `published` points or `seconds` pass; whether it got there. */
async function waitStored(influx: InfluxdServer, published: number, seconds: number, progress: (stored: number) => void): Promise<boolean> {
  const deadline = performance.now() + seconds * 1000;
  for (;;) {
    const stored = await storedTotal(influx, DATABASE).catch(() => 0);
    progress(stored);
    if (stored >= published) return true;
    if (performance.now() > deadline) return false;
    await sleep(DRAIN_POLL_MS);
  }
}

/** The final count, tried a few times: one slow answer (influxd compacting) must not fail a long run. */
async function countWithRetries(influx: InfluxdServer): Promise<Map<string, number>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await storedPerStream(influx, DATABASE);
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(DRAIN_POLL_MS);
    }
  }
}

/**
 * `recur bench soak`: a steady QoS 1 load through mosquitto -> `recur run` (ingest log and
 * snapshots) -> influxd for a long while, with a fault every few minutes (influxd away, broker
 * restarted, recur killed with SIGKILL and started again). Samples recur's RSS and ingest-log size,
 * and checks at the end that InfluxDB holds exactly one point per frame the broker acknowledged.
 */
export async function runSoakBench(options: SoakBenchOptions, out: (line: string) => void, log: (line: string) => void): Promise<void> {
  const modelDir = await ensureDemoModel(log);
  const dir = mkdtempSync(join(tmpdir(), 'recur-bench-soak-'));
  const warmupSeconds = Math.min(options.warmupSeconds, options.seconds / 2);
  let mosquitto: MosquittoServer | undefined;
  let influx: InfluxdServer | undefined;
  let recur: RecurLifetimes | undefined;
  let publisher: Publisher | undefined;
  let keep = options.keep;
  const cleanUp = async () => {
    publisher?.kill();
    recur?.kill();
    await Promise.all([mosquitto?.stop(), influx?.dispose()]);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  const interrupted = () => {
    keep = true;
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    [mosquitto, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
    const servers = { mosquitto, influx };
    const pipeline = writeBenchPipeline(dir, {
      brokerUrl: mosquitto.url,
      influxUrl: influx.url,
      database: DATABASE,
      modelDir,
      qos: 1,
      prefix: PREFIX,
      batchSize: 5000,
      flushMs: 100,
      durable: true,
      snapshotEverySeconds: options.snapshotEverySeconds,
    });
    const lifetimes = await RecurLifetimes.start(pipeline, dir, join(dir, 'recur.log'));
    recur = lifetimes;
    const pub = await startPublisher({
      url: mosquitto.url,
      streams: options.streams,
      rate: options.rate,
      rampSeconds: Math.min(5, options.seconds / 4),
      qos: 1,
      prefix: PREFIX,
      clientId: PUBLISHER_ID,
    });
    publisher = pub;

    const began = performance.now();
    const elapsedMs = () => performance.now() - began;
    pub.start();
    const sampler = new SoakSampler(lifetimes, pub, join(benchStateDir(dir), 'log'), began, options.sampleSeconds * 1000);
    sampler.start();
    const faults: FaultRecord[] = [];
    let phase: SoakProgress['phase'] = 'load';
    const view = soakProgressView(log, options.seconds);
    const show = (written?: number) => {
      const latest = sampler.latest();
      view.update({ ...latest, written: written ?? latest.written, phase, elapsedSeconds: elapsedMs() / 1000, faults: faults.length });
    };
    const ticker = setInterval(() => show(), 1000);
    let published: number;
    let unacked: number;
    let skipped: number;
    let drained: boolean;
    try {
      for (const planned of faultSchedule(options.seconds * 1000, options.faultEverySeconds * 1000, options.faults)) {
        // A fault that ran long (influxd's outage) delays the next one rather than overlapping it.
        await sleep(planned.atMs - elapsedMs());
        const fault: FaultRecord = { kind: planned.kind, tMs: Math.round(elapsedMs()), durationMs: 0 };
        faults.push(fault);
        phase = 'fault';
        await injectFault(planned.kind, {
          ...servers,
          killRecur: () => lifetimes.killAndRestart(),
          influxOutageMs: options.influxOutageSeconds * 1000,
        });
        fault.durationMs = Math.round(elapsedMs() - fault.tMs);
        phase = 'load';
      }
      await sleep(options.seconds * 1000 - elapsedMs());
      phase = 'draining';
      const stopped = await pub.stop();
      [published, unacked, skipped] = [stopped.acked, stopped.published - stopped.acked, stopped.skipped];
      drained = await waitStored(influx, published, options.drainSeconds, (stored) => show(stored));
      await sampler.stop();
    } finally {
      clearInterval(ticker);
      view.done();
    }
    const exitCode = await lifetimes.stop();

    const perStream = await countWithRetries(influx);
    const written = [...perStream.values()].reduce((a, b) => a + b, 0);
    // Round robin over every frame handed to the client, acknowledged or not.
    const expected = expectedPerStream(published + unacked, options.streams);
    const lost = published - written;
    if (lost !== 0) keep = true;
    const outages = faults.filter((f) => f.kind === 'influx').map((f) => ({ fromMs: f.tMs, toMs: f.tMs + f.durationMs + OUTAGE_SETTLE_SECONDS * 1000 }));
    const rssSegments = segmentSlopes(sampler.rss, warmupSeconds * 1000, outages);
    const settings: SoakSettings = {
      seconds: options.seconds,
      streams: options.streams,
      rate: options.rate,
      faultEverySeconds: options.faultEverySeconds,
      faultKinds: options.faults,
      influxOutageSeconds: options.influxOutageSeconds,
      sampleSeconds: options.sampleSeconds,
      warmupSeconds,
      outageSettleSeconds: OUTAGE_SETTLE_SECONDS,
      snapshotEverySeconds: options.snapshotEverySeconds,
    };
    const report: SoakReport = {
      published,
      written,
      faults,
      rssSlopeMbPerHour: round(weightedSlope(rssSegments)),
      maxLogBytes: Math.max(0, ...sampler.logBytes.map((l) => l.bytes)),
      lost,
      drained,
      unacked,
      skipped,
      recur: lifetimes.totals(),
      exitCode,
      rssSegments: rssSegments.map((s) => ({ ...s, hours: Number(s.hours.toFixed(4)), mbPerHour: Number(s.mbPerHour.toFixed(2)) })),
      rss: sampler.rss,
      logBytes: sampler.logBytes,
      counts: sampler.counts,
      shortfalls: lost === 0 ? [] : shortfalls(expected, perStream),
      problems: lifetimes.problems(),
      workDir: keep ? dir : null,
      settings,
    };
    if (options.plot) writeFileSync(options.plot, renderPlot(report));
    if (options.json) out(JSON.stringify(report));
    else for (const line of formatSoakReport(report)) out(line);
    // The acceptance check: a run that lost (or invented) points fails.
    if (lost !== 0) process.exitCode = 1;
  } catch (error) {
    keep = true;
    log(`bench soak: failed; work folder kept: ${dir}`);
    throw error;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanUp();
  }
}

const round = (value: number | null) => (value === null ? null : Number(value.toFixed(2)));
