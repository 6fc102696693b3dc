import { RecurError } from '../../errors.js';

export interface WavFormat {
  /** 1: integer PCM, 3: IEEE float. */
  readonly format: 1 | 3;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitDepth: number;
  readonly blockAlign: number;
}

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;
/** What recorders write as the data size when they stream to a pipe and cannot seek back. */
const UNKNOWN_SIZES = new Set([0, 0xffffffff]);

function corrupt(path: string, message: string): RecurError {
  return new RecurError('RECUR_E_WAV_CORRUPT', `${path}: ${message}`, { path });
}

/**
 * Checks a RIFF/WAVE file's chunks and rewrites it as the plain 44-byte-header form node-wav
 * reads reliably: node-wav does not read WAVE_FORMAT_EXTENSIBLE (what sox writes for more than
 * two channels or 24 bits), mis-reads a Buffer that is a slice of a larger one, and reads past
 * the end of a truncated file as NaN. Throws WAV_CORRUPT saying what was expected.
 */
export function normaliseWav(bytes: Buffer, path: string): { format: WavFormat; wav: ArrayBuffer } {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') {
    throw corrupt(path, `expected a RIFF/WAVE header, received ${JSON.stringify(bytes.toString('latin1', 0, Math.min(12, bytes.length)))}`);
  }
  let format: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > bytes.length)
        throw corrupt(path, `expected a fmt chunk of at least 16 bytes, received ${Math.min(size, bytes.length - body)}`);
      let tag = bytes.readUInt16LE(body);
      if (tag === EXTENSIBLE && size >= 40) tag = bytes.readUInt16LE(body + 24);
      const channels = bytes.readUInt16LE(body + 2);
      const sampleRate = bytes.readUInt32LE(body + 4);
      const blockAlign = bytes.readUInt16LE(body + 12);
      const bitDepth = bytes.readUInt16LE(body + 14);
      if (tag !== PCM && tag !== FLOAT) throw corrupt(path, `expected PCM (1) or IEEE float (3) samples, received format ${tag}`);
      const depths = tag === PCM ? [8, 16, 24, 32] : [32, 64];
      if (!depths.includes(bitDepth)) throw corrupt(path, `expected a bit depth of ${depths.join(', ')}, received ${bitDepth}`);
      if (channels < 1 || sampleRate < 1 || blockAlign !== (channels * bitDepth) / 8) {
        throw corrupt(
          path,
          `expected channels >= 1, a rate >= 1 and block align = channels * bytes per sample, received ${channels}, ${sampleRate}, ${blockAlign}`,
        );
      }
      format = { format: tag, channels, sampleRate, bitDepth, blockAlign };
    } else if (id === 'data') {
      if (!format) throw corrupt(path, 'expected a fmt chunk before the data chunk, received none');
      const available = bytes.length - body;
      if (size > available && !UNKNOWN_SIZES.has(size)) throw corrupt(path, `expected ${size} bytes of samples, received ${available} (truncated)`);
      const length = UNKNOWN_SIZES.has(size) ? available - (available % format.blockAlign) : size - (size % format.blockAlign);
      return { format, wav: canonical(format, bytes.subarray(body, body + length)) };
    }
    offset = body + size + (size % 2); // chunks are padded to even sizes
  }
  throw corrupt(path, 'expected a data chunk, received end of file');
}

function canonical(format: WavFormat, data: Buffer): ArrayBuffer {
  const out = Buffer.alloc(44 + data.length);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + data.length, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(format.format, 20);
  out.writeUInt16LE(format.channels, 22);
  out.writeUInt32LE(format.sampleRate, 24);
  out.writeUInt32LE(format.sampleRate * format.blockAlign, 28);
  out.writeUInt16LE(format.blockAlign, 32);
  out.writeUInt16LE(format.bitDepth, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(data.length, 40);
  data.copy(out, 44);
  // A fresh Buffer of this size owns its ArrayBuffer from offset 0 (no pool slice), so node-wav's offsets hold.
  return out.buffer.slice(out.byteOffset, out.byteOffset + out.length);
}
