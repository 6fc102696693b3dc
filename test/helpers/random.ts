export { seededRandom, uniformFloats as randomFloats } from '../../src/train/synthetic.js';

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return Number.isNaN(max) ? Number.POSITIVE_INFINITY : max;
}

/**
 * Largest |a - b| / max(1, |b|): an absolute difference for values up to 1 and a relative one
 * beyond, because float32 itself cannot resolve 1e-5 on a value of 1000 (random models with
 * linear gates do reach such values).
 */
export function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return Number.isNaN(max) ? Number.POSITIVE_INFINITY : max;
}
