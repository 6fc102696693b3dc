import { z } from 'zod';
import { nonEmpty, speedSchema, timestampUnitSchema } from '../config.js';

/** Named defaults, so docs, schema and source agree on one value. */
export const FILE_SOURCE_DEFAULTS = {
  timestampUnit: 'auto',
  speed: 'max',
  follow: false,
  pollMs: 250,
  batch: 1000,
  maxLineBytes: 65_536,
  checkOrder: true,
} as const;

/** The file source's options (`scheduler` is for code only). */
export const fileSourceConfigSchema = z
  .strictObject({
    path: nonEmpty,
    /** `csv`: the first line is the header naming the columns. `jsonl`: one JSON object per line. */
    format: z.enum(['csv', 'jsonl']),
    /** The column (CSV) or key (JSONL) holding each record's time. */
    timestampField: nonEmpty,
    /** @default 'auto' (ISO 8601 text, epoch seconds or epoch milliseconds) */
    timestampUnit: timestampUnitSchema.default(FILE_SOURCE_DEFAULTS.timestampUnit),
    /** The values of a frame, in order. @default CSV: every column but the timestamp and stream columns; JSONL: required */
    fields: z.array(nonEmpty).min(1).optional(),
    /** A fixed stream id, or `{ column }`: the column/key that holds it. @default the file's name without extension */
    stream: z.union([nonEmpty, z.strictObject({ column: nonEmpty })]).optional(),
    /** `max`: as fast as the pipeline takes them; a number: that many times real time. @default 'max' */
    speed: speedSchema,
    /** Keep reading as the file grows, like `tail -f`: the source never completes. @default false */
    follow: z.boolean().default(FILE_SOURCE_DEFAULTS.follow),
    /** How often a followed file is checked for new lines. @default 250 */
    pollMs: z.int().positive().default(FILE_SOURCE_DEFAULTS.pollMs),
    /** Records per scheduler turn at speed `max`. @default 1000 */
    batch: z.int().positive().default(FILE_SOURCE_DEFAULTS.batch),
    /** Longer lines are rejected with PAYLOAD_TOO_LARGE. @default 65536 */
    maxLineBytes: z.int().positive().default(FILE_SOURCE_DEFAULTS.maxLineBytes),
    /** Reject frames older than, or as old as, their stream's last. @default true */
    checkOrder: z.boolean().default(FILE_SOURCE_DEFAULTS.checkOrder),
  })
  .superRefine((options, ctx) => {
    // A CSV header names the columns; a JSON line has no order to take the values from.
    if (options.format === 'jsonl' && options.fields === undefined) {
      ctx.addIssue({ code: 'custom', path: ['fields'], message: "expected 'fields' (the JSON keys of the values) for format jsonl" });
    }
  });

export type FileSourceConfig = z.output<typeof fileSourceConfigSchema>;
