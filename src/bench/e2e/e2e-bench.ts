import { cpus } from 'node:os';
import cliProgress from 'cli-progress';
import { ensureDemoModel } from '../../cli/commands/fixtures.js';
import { StreamingModel } from '../../rnn/engine/streaming-model.js';
import { layerOutputSize } from '../../rnn/model/spec.js';
import { type InfluxdServer, type MosquittoServer, startInfluxd, startMosquitto } from '../../testing/servers.js';
import { findMaxRate, sustained } from './find-max.js';
import { type E2eReport, type E2eRun, formatReport } from './report.js';
import { type RunProgress, runOnce } from './run-once.js';

export interface E2eBenchOptions {
  json: boolean;
  streams: number[];
  rate: number;
  seconds: number;
  /** Default: min(5, seconds). */
  warmup?: number;
  qos: 0 | 1;
  drainSeconds: number;
  batchSize: number;
  flushMs: number;
  /** Folder for V8 CPU profiles of the recur child (node --cpu-prof). */
  cpuProf?: string;
  /** Search each stream count for the highest sustained rate (see find-max.ts). */
  findMax: boolean;
  /** Run recur with the ingest log (acknowledgements after fsync). */
  durable: boolean;
}

/** The acceptance target: met by a run with this many streams that sustained at least this rate with p99 below the bound. */
const TARGET = { streams: 10_000, framesPerSec: 50_000, p99Ms: 250 };

/** A progress bar on a terminal, else a line per phase (CI logs); always on stderr. */
function progressView(log: (line: string) => void, total: number) {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'bench e2e [{bar}] {streams} streams, {phase} {elapsed}/{total} s, {published} published, {written} written', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(streams: number, p: RunProgress) {
        const payload = { streams, phase: p.phase, elapsed: Math.round(p.elapsed), published: p.published, written: p.written };
        if (!started) bar.start(total, 0, payload);
        started = true;
        bar.update(Math.min(total, Math.round(p.elapsed)), payload);
      },
      done: () => bar.stop(),
    };
  }
  let lastPhase = '';
  return {
    update(streams: number, p: RunProgress) {
      if (p.phase === lastPhase) return;
      lastPhase = p.phase;
      log(`bench e2e: ${streams} streams: ${p.phase} (${p.published} published, ${p.written} written)`);
    },
    done: () => {
      lastPhase = '';
    },
  };
}

/**
 * `recur bench e2e`: starts mosquitto and influxd, then for each stream count a fresh `recur run`
 * child (MQTT -> demo GRU forecaster -> InfluxDB) and a publisher process at a fixed rate; reads
 * throughput and latency from recur's /metrics and memory and CPU from /proc.
 */
export async function runE2eBench(options: E2eBenchOptions, out: (line: string) => void, log: (line: string) => void): Promise<void> {
  const modelDir = await ensureDemoModel(log);
  const model = await StreamingModel.load(modelDir);
  const hidden = model.spec.layers.map((layer) => layerOutputSize(layer)).slice(0, -1);
  const warmup = options.warmup ?? Math.min(5, options.seconds);
  let mosquitto: MosquittoServer | undefined;
  let influx: InfluxdServer | undefined;
  const stopServers = () => Promise.all([mosquitto?.stop(), influx?.dispose()]);
  const interrupted = () => {
    void stopServers().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const runs: E2eRun[] = [];
  const maxSustained: NonNullable<E2eReport['maxSustained']> = [];
  try {
    [mosquitto, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
    let index = 0;
    for (const streams of options.streams) {
      const measure = async (rate: number) => {
        const view = progressView(log, warmup + options.seconds);
        try {
          const settings = { ...options, streams, rate, warmup, modelDir, nodeArgs: options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProf] : [] };
          return await runOnce(settings, { mosquitto: mosquitto!, influx: influx! }, index++, (p) => view.update(streams, p));
        } finally {
          view.done();
        }
      };
      if (!options.findMax) {
        runs.push(await measure(options.rate));
        continue;
      }
      const found = await findMaxRate(options.rate, TARGET.p99Ms, measure);
      runs.push(...found.runs);
      maxSustained.push({ streams, framesPerSec: found.best?.framesPerSec ?? null, targetRate: found.best?.targetRate ?? null });
    }
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await stopServers();
  }
  const atTarget = runs.filter((r) => r.streams === TARGET.streams);
  const report: E2eReport = {
    runs,
    ...(options.findMax ? { maxSustained } : {}),
    target: {
      ...TARGET,
      met: atTarget.length > 0 ? atTarget.some((r) => sustained(r, TARGET.p99Ms) && r.framesPerSec >= TARGET.framesPerSec) : null,
    },
    environment: {
      node: process.version,
      cpus: cpus().length,
      model: `demo GRU forecaster (D=${model.inputSize}, H=${hidden.join('+')}, ${model.outputSize} output)`,
      kernel: model.kernelName,
    },
  };
  if (options.json) out(JSON.stringify(report));
  else for (const line of formatReport(report)) out(line);
}
