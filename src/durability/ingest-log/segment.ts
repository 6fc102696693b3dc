import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { segmentName } from './files.js';
import { HEADER_BYTES, writeRecord } from './record.js';

/** Appends are encoded into slabs this size, so a group commit writes a few large buffers, not one per record. */
const SLAB_BYTES = 256 * 1024;

/** Records appended but not yet handed to a write. */
export interface Batch {
  readonly chunks: readonly Uint8Array[];
  readonly records: number;
  readonly bytes: number;
}

/** What a reader needs of a segment, fixed at the time read() is called. */
export interface SegmentView {
  readonly segment: Segment;
  readonly size: number;
  readonly diskBytes: number;
  readonly memory: readonly Uint8Array[];
}

/**
 * One segment file and its in-memory tail: records [0, written) are in the file, [written, size)
 * are encoded in memory until the next group commit writes them.
 */
export class Segment {
  readonly base: number;
  readonly path: string;
  /** Bytes of records, in the file or not. */
  size: number;
  records: number;
  /** Bytes in the file. */
  written: number;
  /** The file exists and its folder entry is fsynced. */
  onDisk: boolean;
  /** No more appends (a newer segment took over). */
  sealed = false;
  /** Retention or dropOldest removed it; its file is unlinked (or about to be). */
  deleted = false;
  /** Open for append while records are being written to it. */
  handle: FileHandle | null = null;
  /** Sealed slices of slabs, from offset `written` on, in order. */
  #unwritten: Uint8Array[] = [];
  #unwrittenRecords = 0;
  #slab: Uint8Array | null = null;
  #slabView: DataView | null = null;
  #slabStart = 0;
  #slabFill = 0;

  constructor(dir: string, base: number, init: { size: number; records: number; onDisk: boolean }) {
    this.base = base;
    this.path = join(dir, segmentName(base));
    this.size = init.size;
    this.records = init.records;
    this.written = init.size;
    this.onDisk = init.onDisk;
  }

  get end(): number {
    return this.base + this.size;
  }

  get hasUnwritten(): boolean {
    return this.size > this.written;
  }

  /** Encodes one record at the end of the in-memory tail. */
  append(payload: Uint8Array): void {
    const need = HEADER_BYTES + payload.byteLength;
    if (this.#slab === null || this.#slabFill + need > this.#slab.byteLength) {
      this.#sealSlab();
      this.#slab = new Uint8Array(Math.max(SLAB_BYTES, need));
      this.#slabView = new DataView(this.#slab.buffer);
      this.#slabStart = 0;
      this.#slabFill = 0;
    }
    writeRecord(this.#slab, this.#slabView!, this.#slabFill, payload);
    this.#slabFill += need;
    this.size += need;
    this.records++;
    this.#unwrittenRecords++;
  }

  /** Everything not yet written, for one write. The caller reports success with wrote(). */
  take(): Batch {
    this.#sealSlab();
    return { chunks: [...this.#unwritten], records: this.#unwrittenRecords, bytes: this.size - this.written };
  }

  wrote(batch: Batch): void {
    this.written += batch.bytes;
    if (this.deleted) return;
    this.#unwritten.splice(0, batch.chunks.length);
    this.#unwrittenRecords -= batch.records;
  }

  /** The bytes past `written`: sealed slices plus the filled part of the current slab (never overwritten later). */
  view(): SegmentView {
    const memory = [...this.#unwritten];
    if (this.#slab !== null && this.#slabFill > this.#slabStart) memory.push(this.#slab.subarray(this.#slabStart, this.#slabFill));
    return { segment: this, size: this.size, diskBytes: this.written, memory };
  }

  /** Frees the in-memory tail of a deleted segment. */
  forget(): void {
    this.deleted = true;
    this.sealed = true;
    this.#unwritten = [];
    this.#unwrittenRecords = 0;
    this.#slab = null;
    this.#slabView = null;
  }

  async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }

  #sealSlab(): void {
    if (this.#slab === null || this.#slabFill === this.#slabStart) return;
    this.#unwritten.push(this.#slab.subarray(this.#slabStart, this.#slabFill));
    this.#slabStart = this.#slabFill;
  }
}
