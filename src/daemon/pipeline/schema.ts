import { z } from 'zod';

const sourceTypes = ['mqtt', 'file', 'wav', 'mic'] as const;
const sinkTypes = ['influx', 'mqtt', 'file', 'stdout'] as const;

/** A pipeline file: sources -> model -> head -> sinks, plus the daemon's own settings. */
export const pipelineSchema = z.strictObject({
  name: z.string().min(1),
  sources: z
    .array(
      z.strictObject({
        type: z.enum(sourceTypes),
        /** Handed to the source factory (see src/sources). */
        options: z.record(z.string(), z.unknown()),
      }),
    )
    .min(1),
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
  deadLetter: z.strictObject({ file: z.string().min(1) }).default({ file: '.recur/dead-letter.jsonl' }),
  http: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(9464) }).optional(),
  state: z.strictObject({ snapshotFile: z.string().min(1) }).optional(),
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
