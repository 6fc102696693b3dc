// Pieces several source schemas share: names, replay speed, reconnect backoff, the device description (see `types.ts`).
import { z } from 'zod';

/** A non-empty string: a path, a topic, a field or stream name. */
export const nonEmpty = z.string().min(1);

/** `max`: as fast as the pipeline takes them; a number: that many times real time. @default 'max' */
export const speedSchema = z.union([z.literal('max'), z.number().positive()]).default('max');

export const BACKOFF_DEFAULTS = { initialMs: 500, maxMs: 30_000, factor: 2 } as const;

/** `BackoffOptions` without `random` (which only code can inject). Absent: the defaults. */
export const backoffConfigSchema = z
  .strictObject({
    /** The ceiling of the first delay. @default 500 */
    initialMs: z.int().positive().default(BACKOFF_DEFAULTS.initialMs),
    /** No delay exceeds this. @default 30000 */
    maxMs: z.int().positive().default(BACKOFF_DEFAULTS.maxMs),
    /** Each failure multiplies the ceiling by this. @default 2 */
    factor: z.number().min(1).default(BACKOFF_DEFAULTS.factor),
  })
  .prefault({});

export const timestampUnitSchema = z.enum(['iso', 's', 'ms', 'us', 'ns', 'auto']);

/** `StreamFrom`: where a frame's stream id comes from. */
export const streamFromSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), name: nonEmpty }),
  z.strictObject({ kind: z.literal('field'), field: nonEmpty }),
  z.strictObject({ kind: z.literal('topic'), segment: z.int().nonnegative() }),
  z.strictObject({ kind: z.literal('series'), tags: z.array(nonEmpty).optional() }),
]);

export const DEVICE_DEFAULTS = { maxBytes: 65_536 } as const;

/**
 * `DeviceDescription`: what a device sends. Defaults that depend on the format (timestamp unit,
 * precision, delimiter, sample rate, channels) stay absent and are applied by the parser.
 */
export const deviceDescriptionSchema = z.strictObject({
  format: z.enum(['json', 'line-protocol', 'csv', 'pcm16le']),
  /** The values of a frame, in order: JSON keys (dotted paths allowed), line-protocol field keys, CSV columns. */
  fields: z.array(nonEmpty),
  /** @default the stream id the source resolved (topic segment, file name); 'series' for line protocol */
  streamFrom: streamFromSchema.optional(),
  /** JSON key or CSV column of the timestamp. @default none: the arrival time is used */
  timestampField: nonEmpty.optional(),
  /** @default 'auto' for JSON and CSV; line protocol uses `precision` */
  timestampUnit: timestampUnitSchema.optional(),
  /** Line-protocol timestamp precision. @default 'ns' */
  precision: z.enum(['ns', 'us', 'ms', 's']).optional(),
  /** Larger payloads are rejected with PAYLOAD_TOO_LARGE before parsing. @default 65536 */
  maxBytes: z.int().positive().default(DEVICE_DEFAULTS.maxBytes),
  /** CSV: the column names of a header-less line, in order. @default `fields` */
  columns: z.array(nonEmpty).optional(),
  /** CSV delimiter. @default ',' */
  delimiter: nonEmpty.optional(),
  /** PCM: samples per second. @default 16000 */
  sampleRate: z.int().positive().optional(),
  /** PCM: interleaved channels, downmixed to mono. @default 1 */
  channels: z.int().positive().optional(),
});
