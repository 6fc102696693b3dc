import { z } from 'zod';
import { nonEmpty, speedSchema } from '../config.js';
import type { ResampleQuality } from './resample.js';

/** Named defaults, so docs, schema and source agree on one value. */
export const WAV_DEFAULTS = {
  rate: 16_000,
  hop: 160,
  quality: 'medium',
  startMs: 0,
  speed: 'max',
  batch: 100,
} as const;

// Spelled out (not read from resample.ts) so validating a config does not load libsamplerate;
// the type makes the compiler check the list against RESAMPLE_QUALITIES.
const qualities: { readonly [Q in ResampleQuality]: Q } = { best: 'best', medium: 'medium', fastest: 'fastest', hold: 'hold', linear: 'linear' };

/** The WAV source's options (`scheduler` is for code only). */
export const wavSourceConfigSchema = z.strictObject({
  /** One file or several, played one after the other. */
  path: z.union([nonEmpty, z.array(nonEmpty).min(1)]),
  /** The sample rate the pipeline wants; files at other rates are resampled. @default 16000 */
  rate: z.int().positive().default(WAV_DEFAULTS.rate),
  /** Samples per frame (at `rate`). @default 160 (10 ms at 16 kHz) */
  hop: z.int().positive().default(WAV_DEFAULTS.hop),
  /** libsamplerate converter: best, medium, fastest, hold, linear. @default 'medium' */
  quality: z.enum(qualities).default(WAV_DEFAULTS.quality),
  /** @default each file's name without extension */
  stream: nonEmpty.optional(),
  /** Timestamp of each file's first sample, ms since the epoch: fixed, so a replay yields the same frames. @default 0 */
  startMs: z.number().default(WAV_DEFAULTS.startMs),
  /** `max` or that many times real time. @default 'max' */
  speed: speedSchema,
  /** Frames per scheduler turn at speed `max`. @default 100 */
  batch: z.int().positive().default(WAV_DEFAULTS.batch),
});

export type WavSourceConfig = z.output<typeof wavSourceConfigSchema>;
