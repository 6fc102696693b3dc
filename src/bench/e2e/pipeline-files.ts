import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchPipeline {
  brokerUrl: string;
  influxUrl: string;
  database: string;
  modelDir: string;
  qos: 0 | 1;
  /** Topic prefix: streams publish on `<prefix>/<stream>`. */
  prefix: string;
  /** Sink batching: points per write and the longest a point waits for its batch. */
  batchSize: number;
  flushMs: number;
  /** With the ingest log (and a persistent session, so QoS 1 is acknowledged after fsync). @default false */
  durable?: boolean;
  /** With `durable`: seconds between state snapshots. @default the pipeline default */
  snapshotEverySeconds?: number;
}

/** The durability folder of a durable bench pipeline written into `dir` (its ingest log is `log/` in it). */
export const benchStateDir = (dir: string) => join(dir, 'state');

/**
 * Writes the device and pipeline files of one bench run into `dir` (all paths absolute) and
 * returns the pipeline's path: what a user would write for an MQTT -> GRU -> InfluxDB daemon.
 */
export function writeBenchPipeline(dir: string, p: BenchPipeline): string {
  const device = join(dir, 'bench-device.yaml');
  writeFileSync(
    device,
    [
      'name: bench',
      `topic: ${p.prefix}/+`,
      'streamSegment: 1',
      'format: json',
      'fields: [value]',
      'timestampField: t',
      'timestampUnit: ms',
      `qos: ${p.qos}`,
      '',
    ].join('\n'),
  );
  const pipeline = join(dir, 'pipeline.yaml');
  writeFileSync(
    pipeline,
    `name: bench-e2e
sources:
  - type: mqtt
    options: { url: '${p.brokerUrl}', devices: ['${device}']${p.durable ? `, clientId: recur-${p.database}, clean: false` : ''} }
model: { path: '${p.modelDir}' }
head: { type: forecast, measurement: bench_forecast, fields: [next] }
sinks:
  - type: influx
    # The writer batches (batchSize points or flushMs); the sink sends each batch at once.
    options: { url: '${p.influxUrl}', database: ${p.database}, createDatabase: true, batchSize: ${p.batchSize}, flushIntervalMs: 0, deadLetterFile: '${join(dir, 'influx-dead.jsonl')}' }
    batchSize: ${p.batchSize}
    flushMs: ${p.flushMs}
deadLetter: { file: '${join(dir, 'dead.jsonl')}' }
http: { port: 0 }
shutdown: { timeoutMs: 30000 }
${p.durable ? `durability: { dir: '${benchStateDir(dir)}'${p.snapshotEverySeconds ? `, snapshotEverySeconds: ${p.snapshotEverySeconds}` : ''} }\n` : ''}`,
  );
  return pipeline;
}
