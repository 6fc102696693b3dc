#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
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

program.parseAsync(process.argv).catch((error: unknown) => {
  if (isRecurError(error)) {
    log(error.message);
    process.exitCode = 2;
  } else {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  }
});
