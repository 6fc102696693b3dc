import type { Activation } from './model/spec.js';

/**
 * Scalar activations with the exact definitions tfjs-layers uses, so the JS kernel is a faithful
 * reference. hard_sigmoid is tfjs' (and Keras 2's) clip(0.2x + 0.5, 0, 1); Keras 3 changed it to
 * relu6(x + 3) / 6, which loads here under the name Keras 3 gives it only if it is converted as such.
 */
export function scalarActivation(activation: Exclude<Activation, 'softmax'>): (x: number) => number {
  switch (activation) {
    case 'linear':
      return (x) => x;
    case 'relu':
      return (x) => (x > 0 ? x : 0);
    case 'tanh':
      return Math.tanh;
    case 'sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'hard_sigmoid':
      return (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5));
  }
}

/** In-place softmax over values[offset, offset + n), stable against large inputs. */
export function softmaxInPlace(values: Float32Array | Float64Array, offset: number, n: number): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, values[offset + i]);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(values[offset + i] - max);
    values[offset + i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) values[offset + i] /= sum;
}
