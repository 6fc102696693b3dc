#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import type { E2eBenchOptions } from '../bench/e2e/e2e-bench.js';
import { FAULT_KINDS, type FaultKind } from '../bench/soak/faults.js';
import type { SoakBenchOptions } from '../bench/soak/soak-bench.js';
import { isRecurError } from '../errors.js';
import { runDemo } from './commands/demo.js';
import { ensureDemoModel } from './commands/fixtures.js';
import { inspectModel } from './commands/inspect.js';
import { loadPipeline, runCommand } from './commands/run.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const log = (line: string) => process.stderr.write(`${line}\n`);

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

const kernelOption = () => new Option('--kernel <name>', 'cell kernel (default: RECUR_KERNEL or auto)').choices(['js', 'wasm', 'auto']);

const program = new Command()
  .name('recur')
  .description('Run recurrent neural networks (simple RNN, GRU, LSTM) online over live streams.')
  .showHelpAfterError('(run with --help for usage)');

program
  .command('demo')
  .description('step three simulated plant sensors online through a small GRU forecaster and print its forecasts')
  .option('--steps <n>', 'time steps per sensor', positiveInt, 192)
  .option('--every <n>', 'print one line per sensor every n steps', positiveInt, 24)
  .addOption(kernelOption())
  .action(async (opts: { steps: number; every: number; kernel?: 'js' | 'wasm' | 'auto' }) => {
    await runDemo(opts, out, log);
  });

program
  .command('run')
  .description('run a pipeline (sources -> model -> head -> sinks) until its sources end or SIGINT/SIGTERM')
  .argument('<pipeline>', 'pipelines/*.yaml')
  .addOption(new Option('--log-level <level>', 'log level of the JSON logs on stderr').choices(['debug', 'info', 'warn', 'error']).default('info'))
  .addHelpText(
    'after',
    `
The pipeline file (checked first, as \`recur validate\` does) names:
  sources      mqtt (devices: [devices/*.yaml]; no url = an embedded broker), file, wav, mic
  model        a TensorFlow.js layers model folder; kernel js | wasm | auto
  head         forecast: one point per frame at the frame's timestamp
  sinks        influx, mqtt, file, stdout, each with batchSize and flushMs
  deadLetter   file (default .recur/dead-letter.jsonl) and/or an MQTT topic (by default on the
               first MQTT source's broker, with its credentials and TLS files)
  http         { port } for /health and Prometheus /metrics (port 0: any free port, logged)
  durability   { dir, maxLogBytes, whenFull, snapshotEverySeconds, ... }: ingest log, QoS 1
               acknowledged after fsync, snapshots, replay after a crash; file and wav sources
               resume where they stopped; one daemon per dir (see README "Durability")
  state        { snapshotFile }: without durability, state saved at shutdown and restored at start
  shutdown     { timeoutMs }: how long SIGINT/SIGTERM may take to drain
Sample options for every source and sink: src/sources/*/sample.yaml, src/sinks/*/sample.yaml.

Logs are JSON lines (pino) on stderr. SIGINT/SIGTERM stop intake, write everything received,
snapshot the state and exit 0. Exit codes: 0 done, 2 bad configuration or input (RECUR_E_*), 1 other.`,
  )
  .action(async (file: string, opts: { logLevel: string }) => {
    await runCommand(file, opts);
  });

program
  .command('validate')
  .description('check a pipeline file against its schema; errors name the file, line, key, expectation and what was found')
  .argument('<pipeline>', 'pipelines/*.yaml')
  .action((file: string) => {
    const config = loadPipeline(file);
    out(`${file}: valid pipeline '${config.name}' (${config.sources.length} source(s), ${config.sinks.length} sink(s))`);
  });

program
  .command('simulate')
  .description('publish realistic synthetic frames of a device (daily cycles, noise, drift, occasional faults) to a broker')
  .argument('<device>', 'devices/*.yaml')
  .requiredOption('--broker <url>', 'broker to publish to, e.g. mqtt://127.0.0.1:1883')
  .option('--streams <n>', 'simulated devices', positiveInt, 3)
  .option('--interval-ms <n>', 'wall time between samples', positiveInt, 1000)
  .option('--step-ms <n>', 'simulated time between samples (default: the interval)', positiveInt)
  .option('--count <n>', 'samples per stream, then stop (default: until interrupted)', positiveInt)
  .option('--seed <n>', 'random seed', positiveInt, 1)
  .action(async (file: string, opts: { broker: string; streams: number; intervalMs: number; stepMs?: number; count?: number; seed: number }) => {
    const { simulateDevice } = await import('../simulate/device-simulator.js');
    const { loadDevice } = await import('../daemon/pipeline/prepare-sources.js');
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    const { published } = await simulateDevice(loadDevice(file, process.cwd()), { brokerUrl: opts.broker, ...opts, signal: abort.signal });
    out(JSON.stringify({ published }));
  });

program
  .command('fixtures')
  .description('(re)generate the fixtures the demo and tests use: the demo forecaster trained on synthetic data')
  .option('--force', 'retrain even if the model exists', false)
  .action(async (opts: { force: boolean }) => {
    out(await ensureDemoModel(log, opts.force));
  });

program
  .command('inspect')
  .description("print a model's layers, sizes, state bytes per stream and fingerprint as JSON")
  .argument('<model>', 'folder holding model.json, or the model.json file')
  .action(async (model: string) => {
    out(JSON.stringify(await inspectModel(model), null, 2));
  });

const bench = program.command('bench').description('measure speed and memory; prints JSON with --json');
bench
  .command('step')
  .description("per-step throughput and latency of recur's kernels against tfjs-layers and tfjs-wasm ops, and bytes per live stream")
  .option('--json', 'print one JSON object instead of a table', false)
  .option('--quick', 'fewer sizes and shorter timings (a smoke run)', false)
  .option('--ms <n>', 'target milliseconds of timing per case', positiveInt, 300)
  .action(async (opts: { json: boolean; quick: boolean; ms: number }) => {
    const { runStepBench } = await import('../bench/step-bench.js');
    await runStepBench(opts, out, log);
  });

function positiveIntList(value: string): number[] {
  return value.split(',').map((part) => positiveInt(part.trim()));
}

bench
  .command('e2e')
  .description(
    'end to end: simulated streams published into a real mosquitto -> `recur run` (demo GRU forecaster) -> a real influxd; ' +
      'sustained frames/s, publish-to-write-acknowledged latency and memory for each stream count',
  )
  .option('--json', 'print one JSON object {"runs": [...], "target", "environment", "maxSustained" (with --find-max)} instead of a table', false)
  .addOption(new Option('--streams <list>', 'stream counts, one run each (comma-separated)').argParser(positiveIntList).default([100, 10_000], '100,10000'))
  .option(
    '--rate <n>',
    'frames per second offered over all streams (round robin, in bursts every 10 ms, after a ramp over half the warm-up); ' +
      'the default is the target plus 4%, so a run that keeps up shows >= 50,000 written',
    positiveInt,
    52_000,
  )
  .option('--seconds <n>', 'measured window per run, after the warm-up', positiveInt, 20)
  .option('--warmup <n>', 'seconds of load before the window (streams get their state, batching settles) (default: min(5, seconds))', positiveInt)
  .addOption(new Option('--qos <n>', 'MQTT QoS of publishing and of the subscription').choices(['0', '1']).default('1'))
  .option('--drain-seconds <n>', 'after the window, how long recur may take to write what it still holds before it is killed', positiveInt, 15)
  .option(
    '--batch-size <n>',
    "the influx sink's most points per write: it writes one batch at a time, so a backlog (a GC pause, an influxd fsync) drains in larger writes",
    positiveInt,
    20_000,
  )
  .option('--flush-ms <n>', "the influx sink's longest wait for a batch to fill", positiveInt, 50)
  .option(
    '--find-max',
    'per stream count, also search for the highest sustained rate: x1.2 after a sustained run, x0.8 after one that was not (up to 4 more runs each)',
    false,
  )
  .option('--durable', 'run recur with the ingest log (QoS 1 acknowledged after fsync, persistent session), to measure what durability costs', false)
  .option('--cpu-prof <dir>', 'write V8 CPU profiles of the recur process into this folder (node --cpu-prof; written when recur drained and stopped)')
  .addHelpText(
    'after',
    `
Starts mosquitto (/usr/sbin/mosquitto) and influxd (/usr/bin/influxd) on free loopback ports, and
for each stream count a fresh \`recur run\` child process and a publisher process. Each frame is one
JSON message {"t": <publish time in ms>, "value": x} on bench<i>/s<stream>; recur steps each stream
through the demo GRU forecaster (trained first if missing) and writes a forecast per frame to InfluxDB.
Each run first publishes one frame per stream and waits for it to be written (stream state and
series exist), then ramps the rate up over half the warm-up, holds it, and measures a window.

Output, per run (JSON field names):
  streams         stream count
  framesPerSec    points InfluxDB acknowledged per second in the window: what recur sustained
  targetRate      the rate asked for (--rate); offeredPerSec: what was published in the window,
                  skippedPerSec: what the broker did not take in time (offered < target then)
  keptUp          written >= 97% of published in the window; if false, recur is the limit and
                  latency grows for as long as the load lasts. backlog: published - written at
                  the window's start and end
  p50Ms, p99Ms    latency from publish to InfluxDB write acknowledged, over the points written in
                  the window (recur's recur_result_age_seconds histogram, interpolated in buckets);
                  meanMs from its sum
  rssMb           the recur process's largest resident memory in the window
  durable         whether recur ran with the ingest log (--durable)
  cpuCores        CPU used in the window by recur, the publisher, mosquitto and influxd, and by the
                  whole machine (1 = a core; machine above their sum: something else ran too)
  published, written, stored, errors, drained
                  whole-run counts: published frames, points recur wrote, points counted in
                  InfluxDB afterwards (when drained), rejected frames; drained = all written
                  before recur was stopped (else it was killed after --drain-seconds)
  problems        warnings and errors recur logged

Target (the issue's): >= 50,000 frames/s with 10,000 streams and p99 < 250 ms; target.met says
whether a 10,000-stream run got there (kept up, offered >= 99% of --rate, p99 below 250 ms).`,
  )
  .action(async (opts: Omit<E2eBenchOptions, 'qos'> & { qos: '0' | '1' }) => {
    const { runE2eBench } = await import('../bench/e2e/e2e-bench.js');
    await runE2eBench({ ...opts, qos: opts.qos === '1' ? 1 : 0 }, out, log);
  });

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return n;
}

function faultList(value: string): FaultKind[] {
  const kinds = value.split(',').map((part) => part.trim());
  for (const kind of kinds) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new InvalidArgumentError(`expected influx, broker or kill, got '${kind}'`);
  }
  return kinds as FaultKind[];
}

bench
  .command('soak')
  .description(
    'long run under faults: a steady QoS 1 load through a real mosquitto -> `recur run` (ingest log, snapshots) -> a real influxd, ' +
      'with influxd stopped, the broker restarted or recur killed every few minutes; checks InfluxDB holds one point per frame ' +
      'published, and reports RSS growth and ingest-log size over time',
  )
  .option('--json', 'print one JSON object (fields below) instead of a summary', false)
  .option('--minutes <n>', 'minutes of load (decimals allowed: 0.75 is 45 s)', positiveNumber, 30)
  .option('--streams <n>', 'streams, published round robin on soak/s<i>', positiveInt, 1000)
  .option('--rate <n>', 'frames per second over all streams (QoS 1; ramped up over the first 5 s)', positiveInt, 2000)
  .option('--fault-every-seconds <n>', 'seconds between faults; the first comes after this long, none at or after the end of the load', positiveInt, 120)
  .addOption(
    new Option('--faults <list>', 'fault kinds, used in turn (comma-separated: influx, broker, kill)')
      .argParser(faultList)
      .default([...FAULT_KINDS], FAULT_KINDS.join(',')),
  )
  .option('--influx-outage-seconds <n>', 'how long an influx fault keeps influxd stopped', positiveInt, 20)
  .option('--sample-seconds <n>', "seconds between samples of recur's RSS, the ingest-log size and the counts", positiveInt, 5)
  .option('--drain-seconds <n>', 'after the load, how long InfluxDB may take to hold every published frame before the count is taken anyway', positiveInt, 120)
  .option('--snapshot-every-seconds <n>', "the pipeline's durability.snapshotEverySeconds", positiveInt, 10)
  .option(
    '--warmup-seconds <n>',
    "seconds of each recur process's life left out of the RSS slope (at most half the load): at the default load the heap " +
      'grows for ~100 s until the first major GC drops it by ~60 MB, which a shorter warm-up reads as a steep negative slope',
    positiveInt,
    120,
  )
  .option('--plot <file>', 'also write a self-contained HTML page: RSS and ingest-log size over time, faults marked')
  .option('--keep', "keep the work folder (pipeline, state, recur.log with every recur process's JSON log); kept anyway when points were lost", false)
  .addHelpText(
    'after',
    `
Starts mosquitto and influxd on free loopback ports, one \`recur run\` child with a durable pipeline
(durability: { dir, snapshotEverySeconds }, an MQTT source with a fixed clientId and clean: false,
the demo GRU forecaster, an influx sink to a fresh database) and a publisher process with its own
persistent session (QoS 1; mqtt.js resends what the broker had not acknowledged after a restart).
Frames are {"t": <publish time, ms, strictly increasing per stream>, "value": x}.

Faults, in turn (--faults), every --fault-every-seconds (a long one delays the next):
  influx   stop influxd, wait --influx-outage-seconds, start it (same data)
  broker   restart mosquitto (SIGTERM, so persistent sessions and queued messages are saved)
  kill     SIGKILL recur, then at once a new \`recur run\` on the same pipeline and state folder
At the end the publisher stops (waiting for every PUBACK), the bench waits up to --drain-seconds
for InfluxDB to hold as many points as were published, stops recur with SIGTERM and counts.
The exit code is 1 when written != published.

Output (JSON field names; the summary says the same):
  published          frames the broker acknowledged (PUBACK) to the publisher
  written            distinct points in InfluxDB (counted per stream; a rewritten point counts once)
  lost               published - written (must be 0); shortfalls: the streams furthest off
  drained            InfluxDB reached published before --drain-seconds ran out
  faults             [{kind, tMs, durationMs}]: when each began (ms since the load began) and how
                     long until it was over (server back, new recur subscribed)
  rssSlopeMbPerHour  growth of recur's resident memory: a least-squares slope (MB/h) per recur
                     process (a kill starts a new one), leaving out each process's first
                     --warmup-seconds and each influxd outage until 45 s after it (results queue
                     meanwhile: a bump, not growth), weighted by the time each spans; null when
                     too short. Garbage collection makes RSS a sawtooth (tens of MB): runs under
                     ~30 minutes give a rough figure. rssSegments: each process's slope; rss:
                     [{tMs, mb, segment}] samples
  maxLogBytes        largest ingest-log size sampled (recur_log_bytes, else the log folder on
                     disk); logBytes: [{tMs, bytes}] samples
  counts             [{tMs, published, written}]: acknowledged frames and points recur's sink wrote
  unacked, skipped   frames sent but never acknowledged (not in published); frames the schedule
                     skipped because the broker did not take them in time
  recur              its counters summed over processes: processes, pointsWritten (replays included),
                     framesIn, replayed, redelivered, errors
  exitCode           the last recur's exit code after SIGTERM (0: clean)
  problems           warnings and errors recur logged (first few per process)
  workDir            the kept work folder, else null
  settings           the options the run used`,
  )
  .action(async (opts: Omit<SoakBenchOptions, 'seconds'> & { minutes: number }) => {
    const { runSoakBench } = await import('../bench/soak/soak-bench.js');
    await runSoakBench({ ...opts, seconds: Math.round(opts.minutes * 60) }, out, log);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (isRecurError(error)) {
    log(error.message);
    process.exitCode = 2;
  } else {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  }
  // A command that failed half-way may leave servers open (recur run's HTTP port, an embedded
  // broker): they must not keep a failed process alive.
  setTimeout(() => process.exit(), 200).unref();
});
