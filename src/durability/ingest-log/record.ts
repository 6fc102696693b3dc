import { crc32 } from 'node:zlib';
import type { DamageReason } from './types.js';

/**
 * One record: [u32 LE payload length][u32 LE CRC-32 of the payload][payload]. Empty payloads are
 * refused: CRC-32 of nothing is 0, so a zero-filled tail (what some file systems leave after a
 * crash) would otherwise read as a run of valid empty records.
 */
export const HEADER_BYTES = 8;

/** Writes one record at `at` of `bytes` (which `view` covers). */
export function writeRecord(bytes: Uint8Array, view: DataView, at: number, payload: Uint8Array): void {
  view.setUint32(at, payload.byteLength, true);
  view.setUint32(at + 4, crc32(payload) >>> 0, true);
  bytes.set(payload, at + HEADER_BYTES);
}

/** Random access to a segment's bytes. */
export interface ByteSource {
  /** Copies `length` bytes from `position` into `into` at `offset`; throws when they are not all there. */
  read(into: Uint8Array, offset: number, length: number, position: number): void;
}

export type Scanned = { readonly offset: number; readonly payload: Uint8Array } | { readonly offset: number; readonly damage: DamageReason };

/** Blocks this size are read at a time, so a scan costs a syscall per block, not per record. */
const BLOCK_BYTES = 1 << 20;

/**
 * Walks a segment's records from offset 0, checking each length and CRC. Payloads are views into
 * the block they were read in; a new block is allocated for every refill, so a payload stays
 * valid after the scan moves on.
 */
export class RecordScanner {
  readonly #source: ByteSource;
  readonly #end: number;
  readonly #lengthLimit: number;
  #at = 0;
  #block: Uint8Array = new Uint8Array(0);
  #view = new DataView(this.#block.buffer);
  #blockStart = 0;

  /**
   * @param end bytes in the segment
   * @param lengthLimit a length beyond this that also runs past `end` is reported as 'length', not 'torn'
   */
  constructor(source: ByteSource, end: number, lengthLimit: number) {
    this.#source = source;
    this.#end = end;
    this.#lengthLimit = lengthLimit;
  }

  /** The next record, damage at the current offset (the scan stops there), or null at the end. */
  next(): Scanned | null {
    const at = this.#at;
    if (at >= this.#end) return null;
    const left = this.#end - at;
    if (left < HEADER_BYTES) return this.#stop(at, 'torn');
    this.#bytes(at, HEADER_BYTES);
    const length = this.#view.getUint32(at - this.#blockStart, true);
    const crc = this.#view.getUint32(at - this.#blockStart + 4, true);
    if (length === 0) return this.#stop(at, 'length');
    // A length that fits in the file is checked by the CRC whatever the configured segment size
    // (the log may have been written with a larger one); past the end it is a torn write, unless absurd.
    if (length > left - HEADER_BYTES) return this.#stop(at, length > this.#lengthLimit ? 'length' : 'torn');
    const payload = this.#bytes(at, HEADER_BYTES + length).subarray(HEADER_BYTES);
    if (crc32(payload) >>> 0 !== crc) return this.#stop(at, 'crc');
    this.#at = at + HEADER_BYTES + length;
    return { offset: at, payload };
  }

  #stop(offset: number, damage: DamageReason): Scanned {
    this.#at = this.#end;
    return { offset, damage };
  }

  #bytes(position: number, length: number): Uint8Array {
    const from = position - this.#blockStart;
    if (from >= 0 && from + length <= this.#block.byteLength) return this.#block.subarray(from, from + length);
    const size = Math.min(Math.max(BLOCK_BYTES, length), this.#end - position);
    const block = Buffer.allocUnsafe(size);
    this.#source.read(block, 0, size, position);
    this.#block = block;
    this.#view = new DataView(block.buffer, block.byteOffset, block.byteLength);
    this.#blockStart = position;
    return block.subarray(0, length);
  }
}
