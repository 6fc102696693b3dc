import wav from 'node-wav';
import { RecurError } from '../../errors.js';
import { normaliseWav } from './header.js';

/** The channels' mean: mono keeps what a speech or event model needs and costs 1/channels of the compute. */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0];
  const out = new Float32Array(channels[0].length);
  for (const channel of channels) for (let i = 0; i < out.length; i++) out[i] += channel[i];
  for (let i = 0; i < out.length; i++) out[i] /= channels.length;
  return out;
}

/** Decodes a WAV file's bytes (any rate, 8/16/24/32-bit integer or float, any channels) to mono float32. */
export function decodeWav(bytes: Buffer, path: string): { sampleRate: number; samples: Float32Array } {
  const { format, wav: canonical } = normaliseWav(bytes, path);
  let decoded: ReturnType<typeof wav.decode>;
  try {
    // node-wav accepts an ArrayBuffer (its typings say Buffer): the normalised copy starts at offset 0.
    decoded = wav.decode(canonical as unknown as Buffer);
  } catch (error) {
    throw new RecurError('RECUR_E_WAV_CORRUPT', `${path}: expected decodable samples, ${(error as Error).message}`, { path }, { cause: error });
  }
  if (!decoded || decoded.channelData.length !== format.channels) {
    throw new RecurError('RECUR_E_WAV_CORRUPT', `${path}: expected ${format.channels} channels of samples, received none`, { path });
  }
  return { sampleRate: decoded.sampleRate, samples: downmix(decoded.channelData) };
}
