/** Seeded generator (mulberry32), so fixtures and simulations are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [-scale, scale). */
export function uniformFloats(n: number, random: () => number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (random() * 2 - 1) * scale;
  return out;
}

export interface PlantSeriesOptions {
  /** Samples per daily cycle. @default 96 (15-minute samples) */
  period?: number;
  /** Cycle amplitude. @default 1 */
  amplitude?: number;
  /** Standard deviation of the measurement noise. @default 0.05 */
  noise?: number;
  /** Phase offset in samples, so several sensors do not move in lockstep. @default 0 */
  phase?: number;
}

/**
 * A plant sensor's normalised reading: a daily cycle with a second harmonic (a shift pattern),
 * a slow random-walk drift and measurement noise. Normal-ish noise comes from a sum of uniforms.
 */
export function plantSeries(length: number, seed: number, options: PlantSeriesOptions = {}): Float32Array {
  const { period = 96, amplitude = 1, noise = 0.05, phase = 0 } = options;
  const random = seededRandom(seed);
  const gaussian = () => random() + random() + random() - 1.5;
  const out = new Float32Array(length);
  let drift = 0;
  for (let i = 0; i < length; i++) {
    const angle = (2 * Math.PI * (i + phase)) / period;
    drift += 0.002 * gaussian();
    out[i] = amplitude * (Math.sin(angle) + 0.3 * Math.sin(2 * angle + 1)) + drift + noise * 2 * gaussian();
  }
  return out;
}
