import { resolve } from 'node:path';
import { pino } from 'pino';
import { loadYamlFile } from '../../daemon/config/load-yaml.js';
import { startPipeline } from '../../daemon/pipeline/run-pipeline.js';
import { type PipelineConfig, pipelineSchema } from '../../daemon/pipeline/schema.js';

export function loadPipeline(file: string): PipelineConfig {
  return loadYamlFile(resolve(file), pipelineSchema);
}

/**
 * `recur run`: starts a pipeline and runs until its sources end or SIGINT/SIGTERM, then drains,
 * flushes the sinks and snapshots the model state. Logs are JSON lines on stderr (stdout belongs
 * to the stdout sink).
 */
export async function runCommand(file: string, options: { logLevel: string }): Promise<void> {
  const log = pino({ level: options.logLevel, base: { pid: process.pid } }, pino.destination(2));
  const config = loadPipeline(file);
  const running = await startPipeline(config, process.cwd(), log);
  const onSignal = (signal: NodeJS.Signals) => {
    void running.stop(signal).then(() => process.exit(0));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await running.done;
  // Let stdout drain, then leave even if a library keeps a handle open.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(0);
}
