import LibSampleRate from '@alexanderolsen/libsamplerate-js';

/** libsamplerate's converters, best first; all but `linear` and `hold` filter out what would alias. */
export const RESAMPLE_QUALITIES = { best: 0, medium: 1, fastest: 2, hold: 3, linear: 4 } as const;
export type ResampleQuality = keyof typeof RESAMPLE_QUALITIES;

/**
 * Resamples mono audio with libsamplerate (band-limited sinc: content above the new Nyquist
 * frequency is filtered out, not folded back as aliases). The output is `round(n * to / from)`
 * samples long, zero-padded where the converter's filter delay leaves a few short.
 */
export async function resample(samples: Float32Array, from: number, to: number, quality: ResampleQuality = 'medium'): Promise<Float32Array> {
  if (from === to) return samples;
  const converter = await LibSampleRate.create(1, from, to, { converterType: RESAMPLE_QUALITIES[quality] });
  try {
    const out = converter.simple(samples);
    const expected = Math.round((samples.length * to) / from);
    if (out.length === expected) return out;
    const fitted = new Float32Array(expected);
    fitted.set(out.subarray(0, expected));
    return fitted;
  } finally {
    converter.destroy();
  }
}
