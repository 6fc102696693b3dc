import { z } from 'zod';
import { backoffConfigSchema, nonEmpty } from '../config.js';

/** Named defaults, so docs, schema and source agree on one value. */
export const MIC_DEFAULTS = {
  /** arecord at 16 kHz mono, raw int16 LE on stdout. */
  command: ['arecord', '-q', '-f', 'S16_LE', '-r', '16000', '-c', '1', '-t', 'raw'],
  sampleRate: 16_000,
  channels: 1,
  hop: 160,
  stream: 'mic',
  restart: true,
  healthyMs: 10_000,
  stallMs: 5000,
  restartOnStall: false,
} as const;

/** The mic source's options (`stdin`, `scheduler` and `now` are for code only). */
export const micSourceConfigSchema = z.strictObject({
  /** The recorder: a command writing raw int16 LE PCM to stdout, e.g. `[sox, -d, -t, raw, ...]` or `[parec]`. @default arecord at 16 kHz mono */
  command: z
    .array(nonEmpty)
    .min(1)
    .default(() => [...MIC_DEFAULTS.command]),
  /** Must match what the command writes. @default 16000 */
  sampleRate: z.int().positive().default(MIC_DEFAULTS.sampleRate),
  /** Interleaved channels the command writes, downmixed to mono. @default 1 */
  channels: z.int().positive().default(MIC_DEFAULTS.channels),
  /** Samples per frame. @default 160 (10 ms at 16 kHz) */
  hop: z.int().positive().default(MIC_DEFAULTS.hop),
  /** @default 'mic' */
  stream: nonEmpty.default(MIC_DEFAULTS.stream),
  /** Restart the command when it exits (with backoff); false: exit 0 completes, other exits error. @default true */
  restart: z.boolean().default(MIC_DEFAULTS.restart),
  /** @default initial 500 ms, doubling, at most 30 s, full jitter */
  backoff: backoffConfigSchema,
  /** A run that lasted this long resets the backoff. @default 10000 */
  healthyMs: z.int().nonnegative().default(MIC_DEFAULTS.healthyMs),
  /** No audio for this long is a stall: logged and counted once until audio resumes. @default 5000 */
  stallMs: z.int().positive().default(MIC_DEFAULTS.stallMs),
  /** Kill (and so restart) a stalled recorder. @default false */
  restartOnStall: z.boolean().default(MIC_DEFAULTS.restartOnStall),
});

export type MicSourceConfig = z.output<typeof micSourceConfigSchema>;
