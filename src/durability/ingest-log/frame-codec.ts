import { ErrorCodes, RecurError } from '../../errors.js';
import type { Frame } from '../../frame.js';

/**
 * A frame as an ingest log payload, version 1 (little endian):
 *   u8 version | u16 stream id length | stream id (UTF-8) | f64 t | u16 value count | f32 x count values
 * Values are copied as bytes, so they come back bit for bit. `seq` is not stored: it is the
 * record's position, which the log knows.
 */
const VERSION = 1;
const MAX_U16 = 0xffff;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeFrame(frame: Frame): Uint8Array {
  const id = encoder.encode(frame.stream);
  const count = frame.values.length;
  if (id.byteLength > MAX_U16 || count > MAX_U16) {
    throw new RecurError(
      ErrorCodes.PAYLOAD_TOO_LARGE,
      `frame of stream ${frame.stream.slice(0, 64)} has a ${id.byteLength}-byte id and ${count} values; the log holds at most ${MAX_U16} of each`,
      { stream: frame.stream.slice(0, 64), idBytes: id.byteLength, values: count },
    );
  }
  const bytes = new Uint8Array(1 + 2 + id.byteLength + 8 + 2 + count * 4);
  const view = new DataView(bytes.buffer);
  bytes[0] = VERSION;
  view.setUint16(1, id.byteLength, true);
  bytes.set(id, 3);
  let at = 3 + id.byteLength;
  view.setFloat64(at, frame.t, true);
  view.setUint16(at + 8, count, true);
  at += 10;
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(frame.values.buffer, frame.values.byteOffset, count * 4), at);
  } else {
    for (let i = 0; i < count; i++) view.setFloat32(at + i * 4, frame.values[i], true);
  }
  return bytes;
}

export function decodeFrame(bytes: Uint8Array): Frame {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 3) fail(`${bytes.byteLength} bytes, shorter than a header`);
  if (bytes[0] !== VERSION) fail(`version ${bytes[0]}, expected ${VERSION}`);
  const idBytes = view.getUint16(1, true);
  let at = 3 + idBytes;
  if (bytes.byteLength < at + 10) fail(`${bytes.byteLength} bytes, too short for a ${idBytes}-byte stream id`);
  let stream: string;
  try {
    stream = decoder.decode(bytes.subarray(3, at));
  } catch {
    fail('stream id is not valid UTF-8');
  }
  const t = view.getFloat64(at, true);
  const count = view.getUint16(at + 8, true);
  at += 10;
  if (bytes.byteLength !== at + count * 4) fail(`${bytes.byteLength} bytes, expected ${at + count * 4} for ${count} values`);
  const values = new Float32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(values.buffer).set(bytes.subarray(at));
  } else {
    for (let i = 0; i < count; i++) values[i] = view.getFloat32(at + i * 4, true);
  }
  return { stream, t, values };
}

function fail(message: string): never {
  throw new RecurError(ErrorCodes.LOG_CORRUPT, `frame in the ingest log cannot be decoded: ${message}`);
}
