import type { DeviceDescription, ParseContext } from '../types.js';
import { failed, type Parsed, tooLarge } from './result.js';
import { DEFAULT_STREAM } from './stream-id.js';

/** @default for `DeviceDescription.sampleRate` */
export const DEFAULT_SAMPLE_RATE = 16_000;

/**
 * Signed 16-bit little-endian interleaved PCM to mono float32 in [-1, 1): each sample / 32768,
 * channels averaged. `bytes.length` must be a whole number of sample frames.
 */
export function pcm16ToMono(bytes: Buffer, channels: number): Float32Array {
  const frames = bytes.length / (2 * channels);
  const out = new Float32Array(frames);
  const scale = 1 / (32768 * channels);
  for (let i = 0, offset = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, offset += 2) sum += bytes.readInt16LE(offset);
    out[i] = sum * scale;
  }
  return out;
}

/**
 * A running sample clock: the first chunk is stamped with its arrival time, every later one
 * with that time plus the samples before it. Arrival times jitter with the network and the
 * event loop; the sample count does not.
 */
export class SampleClock {
  #origin: number | undefined;
  #samples = 0;
  readonly #rate: number;

  constructor(rate: number) {
    this.#rate = rate;
  }

  /** The timestamp of a chunk of `samples` samples arriving at `now`; advances the clock. */
  stamp(samples: number, now: number): number {
    this.#origin ??= now;
    const t = this.#origin + (this.#samples * 1000) / this.#rate;
    this.#samples += samples;
    return t;
  }

  /** Starts again from the next arrival (after a gap: a restarted recorder, a reconnect). */
  reset(): void {
    this.#origin = undefined;
    this.#samples = 0;
  }
}

/**
 * Parses one chunk of raw PCM (int16 LE, `channels` interleaved, from the device) into one mono
 * frame. `t` is the arrival time, or the running sample clock's when one is given.
 */
export function parsePcm16(payload: Buffer | string, device: DeviceDescription, context: ParseContext, clock?: SampleClock): Parsed {
  const stream = device.streamFrom?.kind === 'fixed' ? device.streamFrom.name : (context.stream ?? DEFAULT_STREAM);
  const oversize = tooLarge(payload, device, stream);
  if (oversize) return oversize;
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'binary') : payload;
  const channels = device.channels ?? 1;
  const block = 2 * channels;
  if (bytes.length === 0 || bytes.length % block !== 0) {
    return failed(
      'RECUR_E_WAV_CORRUPT',
      `expected a non-empty whole number of ${block}-byte sample frames (int16 x ${channels} channels), received ${bytes.length} bytes`,
      stream,
    );
  }
  const values = pcm16ToMono(bytes, channels);
  const t = clock ? clock.stamp(values.length, context.now) : context.now;
  return { frames: [{ stream, t, values }], errors: [] };
}
