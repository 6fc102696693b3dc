import type { Frame } from '../../frame.js';

/**
 * Cuts mono samples into frames of `hop` samples, stamped by the sample clock from `startMs`.
 * The last frame is zero-padded to full length so every frame has the same size. Starts at frame
 * `first` (a resumed file).
 */
export function* chunkFrames(samples: Float32Array, hop: number, rate: number, stream: string, startMs: number, first = 0): Generator<Frame> {
  for (let start = first * hop, index = first; start < samples.length; start += hop, index++) {
    const values = new Float32Array(hop);
    values.set(samples.subarray(start, start + hop));
    yield { stream, t: startMs + (index * hop * 1000) / rate, values };
  }
}
