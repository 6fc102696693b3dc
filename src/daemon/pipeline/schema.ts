import { z } from 'zod';
import { secretSchema, tlsSchema } from '../../sources/mqtt/config.js';
import { pipelineSourceSchema } from './source-schema.js';

const sinkTypes = ['influx', 'mqtt', 'file', 'stdout'] as const;

/** A pipeline file: sources -> model -> head -> sinks, plus the daemon's own settings. */
export const pipelineSchema = z.strictObject({
  name: z.string().min(1),
  /** Each source's options are checked against its kind's schema (src/sources/<kind>/config.ts). */
  sources: z.array(pipelineSourceSchema).min(1),
  model: z.strictObject({
    /** Folder holding model.json (relative paths, here and in source and sink options, are from the working directory). */
    path: z.string().min(1),
    kernel: z.enum(['js', 'wasm', 'auto']).default('auto'),
    /** Streams idle this long lose their state. @default 1 day */
    idleEvictMs: z.number().int().positive().default(86_400_000),
  }),
  head: z.strictObject({
    type: z.literal('forecast'),
    measurement: z.string().min(1).default('forecast'),
    fields: z.array(z.string().min(1)).optional(),
    tags: z.record(z.string(), z.string()).default({}),
  }),
  sinks: z
    .array(
      z.strictObject({
        type: z.enum(sinkTypes),
        options: z.record(z.string(), z.unknown()).default({}),
        /** Points per write. @default 5000 */
        batchSize: z.number().int().positive().default(5000),
        /** Longest a point waits for its batch. @default 200 */
        flushMs: z.number().int().positive().default(200),
      }),
    )
    .min(1),
  /** Copies of bad input: a file (on unless `file: false` with mqtt set: the durable copy) and/or an MQTT topic. */
  deadLetter: z
    .strictObject({
      file: z.union([z.string().min(1), z.literal(false)]).default('.recur/dead-letter.jsonl'),
      mqtt: z
        .strictObject({
          /** @default the first MQTT source's broker (the embedded one when it names none) */
          url: z.string().min(1).optional(),
          topic: z.string().min(1).default('recur/dead-letter'),
          qos: z.union([z.literal(0), z.literal(1)]).default(1),
          /** Credentials and TLS files. @default none set and no url: the first MQTT source's (same broker); else none */
          username: secretSchema.optional(),
          password: secretSchema.optional(),
          tls: tlsSchema.optional(),
        })
        .optional(),
    })
    .refine((d) => d.file !== false || d.mqtt !== undefined, {
      message: 'expected a dead-letter file or an mqtt topic; file: false needs mqtt',
      path: ['file'],
    })
    .default({ file: '.recur/dead-letter.jsonl' }),
  http: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(9464) }).optional(),
  state: z.strictObject({ snapshotFile: z.string().min(1) }).optional(),
  /**
   * The ingest log and periodic state snapshots (the reliability contract). Without it nothing
   * is logged, QoS 1 messages are acknowledged on arrival and state is only saved at shutdown.
   */
  durability: z
    .strictObject({
      /** Holds `log/` (segments) and `snapshots/`. */
      dir: z.string().min(1),
      /** @default 1 GiB */
      maxLogBytes: z.number().int().positive().default(1_073_741_824),
      /** @default 64 MiB, at most maxLogBytes / 4 */
      segmentBytes: z.number().int().positive().optional(),
      /** backpressure: stop acknowledging (the broker keeps the messages); dropOldest: delete unprocessed records, counted. @default backpressure */
      whenFull: z.enum(['backpressure', 'dropOldest']).default('backpressure'),
      /** Group-commit window: one fsync per window covers every frame logged in it. @default 5 */
      commitIntervalMs: z.number().int().positive().default(5),
      /** @default 30 */
      snapshotEverySeconds: z.number().positive().default(30),
      /** Results not yet written by a sink beyond this hold back acknowledgements (memory bound in an outage). @default 200000 */
      maxPendingFrames: z.number().int().positive().default(200_000),
    })
    .optional(),
  /** Publish simulated frames of a device into the pipeline's broker (the demo). */
  simulate: z
    .strictObject({
      device: z.string().min(1),
      streams: z.number().int().positive().default(3),
      intervalMs: z.number().int().positive().default(100),
      stepMs: z.number().int().positive().optional(),
      count: z.number().int().positive().optional(),
      /** Stop the pipeline once every simulated frame is written. @default false */
      stopWhenDone: z.boolean().default(false),
    })
    .optional(),
  shutdown: z.strictObject({ timeoutMs: z.number().int().positive().default(10_000) }).default({ timeoutMs: 10_000 }),
});

export type PipelineConfig = z.output<typeof pipelineSchema>;
export type SinkConfig = PipelineConfig['sinks'][number];
