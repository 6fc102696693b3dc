import { crc32 } from 'node:zlib';
import { ErrorCodes, RecurError } from '../../errors.js';

/**
 * Snapshot format, version 1 (little endian):
 *   "RCSN" | u16 version | u16 reserved | 16 bytes model fingerprint | u32 floats per stream |
 *   u32 stream count | per stream: u16 id length, id (UTF-8), f64 last seen (ms), f64 last frame t
 *   (NaN when unknown), f32 x floats state | u32 CRC-32 of everything before it.
 */
const MAGIC = 0x4e534352; // "RCSN" read as u32 LE
const VERSION = 1;
const HEADER_BYTES = 32;

export interface StreamState {
  readonly id: string;
  readonly lastSeen: number;
  readonly lastT: number;
  readonly state: Float32Array;
}

export interface SnapshotHeader {
  /** hex, 32 characters (16 bytes). */
  readonly fingerprint: string;
  readonly slotFloats: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new RecurError(ErrorCodes.SNAPSHOT, message, details);
}

export function encodeSnapshot(header: SnapshotHeader, streams: readonly StreamState[]): Uint8Array {
  const ids = streams.map((s) => encoder.encode(s.id));
  const perStream = 2 + 16 + header.slotFloats * 4;
  const size = HEADER_BYTES + ids.reduce((n, id) => n + id.byteLength + perStream, 0) + 4;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint16(4, VERSION, true);
  bytes.set(Buffer.from(header.fingerprint, 'hex').subarray(0, 16), 8);
  view.setUint32(24, header.slotFloats, true);
  view.setUint32(28, streams.length, true);
  let at = HEADER_BYTES;
  streams.forEach((s, i) => {
    if (ids[i].byteLength > 0xffff) fail(`stream id is ${ids[i].byteLength} bytes long; at most 65535 fit in a snapshot`);
    view.setUint16(at, ids[i].byteLength, true);
    bytes.set(ids[i], at + 2);
    at += 2 + ids[i].byteLength;
    view.setFloat64(at, s.lastSeen, true);
    view.setFloat64(at + 8, s.lastT, true);
    at += 16;
    // Copy bytes, not floats: a state is restored bit for bit, NaN payloads included.
    bytes.set(new Uint8Array(s.state.buffer, s.state.byteOffset, header.slotFloats * 4), at);
    at += header.slotFloats * 4;
  });
  view.setUint32(at, crc32(bytes.subarray(0, at)) >>> 0, true);
  return bytes;
}

/** Checks a snapshot (magic, version, checksum, model, sizes) and yields its streams. */
export function decodeSnapshot(bytes: Uint8Array, expected: SnapshotHeader): StreamState[] {
  if (bytes.byteLength < HEADER_BYTES + 4) fail(`snapshot is ${bytes.byteLength} bytes; a valid one has at least ${HEADER_BYTES + 4}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) fail('not a recur snapshot (magic bytes RCSN missing)');
  const version = view.getUint16(4, true);
  if (version !== VERSION) fail(`snapshot version ${version} is not supported; this build reads version ${VERSION}`);
  const end = bytes.byteLength - 4;
  const stored = view.getUint32(end, true);
  const actual = crc32(bytes.subarray(0, end)) >>> 0;
  if (stored !== actual) fail(`snapshot checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)}): the file is corrupt or truncated`);
  const fingerprint = Buffer.from(bytes.subarray(8, 24)).toString('hex');
  if (fingerprint !== expected.fingerprint) {
    fail(`snapshot was made by another model (fingerprint ${fingerprint}, this model is ${expected.fingerprint})`, {
      fingerprint,
      expected: expected.fingerprint,
    });
  }
  const slotFloats = view.getUint32(24, true);
  if (slotFloats !== expected.slotFloats) fail(`snapshot holds ${slotFloats} state floats per stream; this model has ${expected.slotFloats}`);
  const count = view.getUint32(28, true);
  const streams: StreamState[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + 2 > end) fail(`snapshot ends inside stream ${i} of ${count}`);
    const idBytes = view.getUint16(at, true);
    const next = at + 2 + idBytes + 16 + slotFloats * 4;
    if (next > end) fail(`snapshot ends inside stream ${i} of ${count}`);
    const id = decoder.decode(bytes.subarray(at + 2, at + 2 + idBytes));
    at += 2 + idBytes;
    const state = new Float32Array(slotFloats);
    new Uint8Array(state.buffer).set(bytes.subarray(at + 16, next));
    streams.push({ id, lastSeen: view.getFloat64(at, true), lastT: view.getFloat64(at + 8, true), state });
    at = next;
  }
  if (at !== end) fail(`snapshot has ${end - at} unexpected bytes after its ${count} streams`);
  return streams;
}
