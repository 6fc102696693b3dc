import type { Frame } from '../../frame.js';

/**
 * Cuts mono samples into frames of `hop` samples, stamped by the sample clock from `startMs`.
 * The last frame is zero-padded to full length so every frame has the same size.
 */
export function* chunkFrames(samples: Float32Array, hop: number, rate: number, stream: string, startMs: number): Generator<Frame> {
  for (let start = 0, index = 0; start < samples.length; start += hop, index++) {
    const values = new Float32Array(hop);
    values.set(samples.subarray(start, start + hop));
    yield { stream, t: startMs + (index * hop * 1000) / rate, values };
  }
}
