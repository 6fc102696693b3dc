/**
 * A tfjs way of running the same recurrent step recur runs, for `recur bench step` to compare with.
 * A peer holds the state of `batch` streams and advances all of them by one frame per call.
 */
export interface StepPeer {
  readonly impl: 'tfjs-layers' | 'tfjs-wasm-ops';
  /** x is batch x inputSize row-major; returns the new h, batch x units row-major. */
  step(x: Float32Array): Float32Array;
  /** Frees the peer's tensors (weights, state, model). */
  dispose(): void;
}
