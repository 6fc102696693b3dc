import { open } from 'node:fs/promises';
import { ErrorCodes, RecurError } from '../../errors.js';
import { syncDir, unlinkIfExists, writeAll } from './files.js';
import { readRecords } from './reader.js';
import { HEADER_BYTES } from './record.js';
import { recover } from './recovery.js';
import { Segment } from './segment.js';
import type { CommitInfo, IngestLogOptions, LogEvent, LogRecord, Recovery, WhenFull } from './types.js';

const MiB = 1024 * 1024;
/** Smallest segment accepted: a header and a few bytes of payload. */
const MIN_SEGMENT_BYTES = 64;

interface FlushWaiter {
  readonly target: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Append-only log of records in segment files, with group commit: appends are encoded in memory
 * and cost no syscall; one write and one fdatasync per commit window make all of them durable.
 * A record's position is its global byte offset, so positions survive restarts and retention.
 *
 * Failures are sticky: after a write or fsync fails the file's tail is unknown (and Linux may
 * have dropped the dirty pages), so flush() rejects and append() throws RECUR_E_LOG_IO from then
 * on; a restart recovers to the last good record.
 */
export class IngestLog {
  readonly recovery: Recovery;
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #maxBytes: number;
  readonly #whenFull: WhenFull;
  readonly #commitIntervalMs: number;
  readonly #onEvent: ((event: LogEvent) => void) | undefined;
  readonly #onCommit: ((commit: CommitInfo) => void) | undefined;
  /** Oldest first; never empty; the last one is the active segment. */
  #segments: Segment[];
  #size: number;
  #durable: number;
  /** sizeBytes >= maxBytes, as last reported through 'full'/'space'. */
  #over = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #failure: RecurError | null = null;
  #timer: NodeJS.Timeout | null = null;
  #commitQueued = false;
  /** File work runs one operation at a time, in order: commits, new files, deletions. */
  #io: Promise<void> = Promise.resolve();
  #flushWaiters: FlushWaiter[] = [];
  #spaceWaiters: (() => void)[] = [];

  private constructor(options: IngestLogOptions, settings: { segmentBytes: number; maxBytes: number }) {
    this.#dir = options.dir;
    this.#segmentBytes = settings.segmentBytes;
    this.#maxBytes = settings.maxBytes;
    this.#whenFull = options.whenFull ?? 'backpressure';
    this.#commitIntervalMs = options.commitIntervalMs ?? 5;
    this.#onEvent = options.onEvent;
    this.#onCommit = options.onCommit;
    const recovered = recover(this.#dir, this.#segmentBytes - HEADER_BYTES, (event) => this.#emit(event));
    this.recovery = { truncatedBytes: recovered.truncatedBytes, events: recovered.events };
    this.#segments = recovered.segments.map((s) => new Segment(this.#dir, s.base, { ...s, onDisk: true }));
    this.#segments.slice(0, -1).forEach((s) => {
      s.sealed = true;
    });
    if (this.#segments.length === 0) this.#segments.push(new Segment(this.#dir, 0, { size: 0, records: 0, onDisk: false }));
    this.#size = this.#segments.reduce((sum, s) => sum + s.size, 0);
    this.#durable = this.endPosition;
    this.#checkLimit();
  }

  /** Opens the log (creating the folder) and recovers it: see recover() for what is cut off and why. */
  static async open(options: IngestLogOptions): Promise<IngestLog> {
    const maxBytes = options.maxBytes ?? 1024 * MiB;
    const segmentBytes = Math.min(options.segmentBytes ?? 64 * MiB, Math.floor(maxBytes / 4));
    const interval = options.commitIntervalMs ?? 5;
    if (!Number.isSafeInteger(maxBytes) || segmentBytes < MIN_SEGMENT_BYTES) {
      throw new RecurError(
        ErrorCodes.CONFIG,
        `ingest log: segmentBytes must be at least ${MIN_SEGMENT_BYTES} and at most maxBytes/4; got segmentBytes ${options.segmentBytes}, maxBytes ${maxBytes}`,
        { segmentBytes: options.segmentBytes, maxBytes },
      );
    }
    if (!Number.isFinite(interval) || interval < 0) {
      throw new RecurError(ErrorCodes.CONFIG, `ingest log: commitIntervalMs must be a number >= 0; got ${interval}`, { commitIntervalMs: interval });
    }
    return new IngestLog(options, { segmentBytes: Math.floor(segmentBytes), maxBytes });
  }

  /**
   * Appends one record; returns its position. The bytes wait in memory for the next group commit.
   * Throws RECUR_E_LOG_FULL when whenFull is 'backpressure' and the record would take the log past
   * maxBytes + segmentBytes: `full` (at maxBytes) tells callers to stop taking work, the headroom
   * absorbs what was already in flight, and beyond it records are refused rather than lost.
   */
  append(payload: Uint8Array): number {
    this.#assertOpen();
    if (this.#failure) throw this.#failure;
    if (payload.byteLength === 0) throw new RangeError('ingest log: an empty payload cannot be told apart from zero-filled disk; append at least one byte');
    const need = HEADER_BYTES + payload.byteLength;
    if (need > this.#segmentBytes) {
      throw new RecurError(
        ErrorCodes.PAYLOAD_TOO_LARGE,
        `ingest log record of ${payload.byteLength} bytes does not fit in a segment of ${this.#segmentBytes} bytes (${HEADER_BYTES} of them per record header)`,
        { bytes: payload.byteLength, segmentBytes: this.#segmentBytes },
      );
    }
    if (this.#whenFull === 'backpressure' && this.#size + need > this.#maxBytes + this.#segmentBytes) {
      throw new RecurError(
        ErrorCodes.LOG_FULL,
        `ingest log holds ${this.#size} bytes (maxBytes ${this.#maxBytes} + ${this.#segmentBytes} headroom): record refused until retention frees space`,
        { sizeBytes: this.#size, maxBytes: this.#maxBytes },
      );
    }
    let active = this.#active;
    if (active.size + need > this.#segmentBytes) {
      active.sealed = true;
      active = new Segment(this.#dir, active.end, { size: 0, records: 0, onDisk: false });
      this.#segments.push(active);
    }
    const position = active.end;
    active.append(payload);
    this.#size += need;
    if (this.#whenFull === 'dropOldest' && this.#size >= this.#maxBytes) this.#dropOldest();
    this.#checkLimit();
    this.#scheduleCommit();
    return position;
  }

  /** Position one past the last appended record: the next record's position. */
  get endPosition(): number {
    return this.#active.end;
  }

  /** Every record below this is fsynced (or deleted by retention). */
  get durablePosition(): number {
    return this.#durable;
  }

  /** The oldest position still stored (endPosition when empty). */
  get startPosition(): number {
    return this.#segments.find((s) => s.size > 0)?.base ?? this.endPosition;
  }

  /** Bytes of records on disk plus buffered. */
  get sizeBytes(): number {
    return this.#size;
  }

  get maxBytes(): number {
    return this.#maxBytes;
  }

  /** The segment size in effect (after clamping to maxBytes/4). */
  get segmentBytes(): number {
    return this.#segmentBytes;
  }

  /** sizeBytes >= maxBytes under whenFull 'backpressure'. */
  get full(): boolean {
    return this.#whenFull === 'backpressure' && this.#over;
  }

  /**
   * Resolves when every record appended before the call is written and fsynced: at the end of the
   * current commit window, or of the commit after the one in flight. Rejects with RECUR_E_LOG_IO
   * when a write or fsync failed (then nothing from durablePosition on may be acknowledged).
   */
  flush(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const target = this.endPosition;
    if (this.#durable >= target) return Promise.resolve();
    return new Promise((resolve, reject) => this.#flushWaiters.push({ target, resolve, reject }));
  }

  /** Resolves at once when not full, else when retention brings the log back below maxBytes (or at close). */
  waitForSpace(): Promise<void> {
    if (!this.full || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  /**
   * Records with position >= from, in order: those stored when read() is called, buffered ones
   * included. Reads synchronously, a block at a time, as the iteration advances. A record failing
   * its checks (recovery should have cut it off) throws RECUR_E_LOG_CORRUPT.
   */
  read(from: number): Iterable<LogRecord> {
    const views = this.#segments.filter((s) => s.end > from && s.size > 0).map((s) => s.view());
    return readRecords(views, from, this.#segmentBytes - HEADER_BYTES);
  }

  /**
   * Deletes every segment whose records all lie below `position`; never a record at or above it.
   * When that includes the active segment, a new one starts at endPosition (its empty file keeps
   * the position across restarts), so a fully consumed log shrinks to nothing. Returns the bytes
   * freed; the files are unlinked in the background, after the new segment's file is durable.
   */
  deleteBelow(position: number): number {
    this.#assertOpen();
    const removed: Segment[] = [];
    while (this.#segments.length > 1 && this.#segments[0].end <= position) removed.push(this.#segments.shift()!);
    let successor: Segment | undefined;
    const active = this.#active;
    if (this.#segments.length === 1 && active.size > 0 && active.end <= position) {
      successor = new Segment(this.#dir, active.end, { size: 0, records: 0, onDisk: false });
      removed.push(active);
      this.#segments = [successor];
    }
    if (removed.length === 0) return 0;
    let freed = 0;
    for (const segment of removed) {
      freed += segment.size;
      segment.forget();
    }
    this.#size -= freed;
    this.#enqueue(async () => {
      if (successor) {
        await this.#openFile(successor);
        // Everything below the new segment is durable or deleted: flush() waiters on the discarded tail are done.
        this.#advanceDurable(successor.base);
      }
      await this.#unlink(removed);
    });
    this.#checkLimit();
    return freed;
  }

  /** Flushes, waits for pending file work, closes the files. Rejects with RECUR_E_LOG_IO when the last writes failed. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const flushed = this.flush();
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#queueCommit();
    let failure: unknown = null;
    await flushed.catch((error) => {
      failure = error;
    });
    await this.#enqueue(async () => {
      for (const segment of this.#segments) await segment.closeHandle();
    });
    for (const wake of this.#spaceWaiters.splice(0)) wake();
    if (failure) throw failure;
    if (this.#failure) throw this.#failure;
  }

  get #active(): Segment {
    return this.#segments[this.#segments.length - 1];
  }

  #assertOpen(): void {
    if (this.#closed) throw new RecurError(ErrorCodes.LOG_CLOSED, `ingest log ${this.#dir} is closed`, { dir: this.#dir });
  }

  /** whenFull 'dropOldest': deletes the oldest sealed segments, consumed or not, until below maxBytes. */
  #dropOldest(): void {
    const dropped: Segment[] = [];
    while (this.#size >= this.#maxBytes && this.#segments.length > 1) {
      const segment = this.#segments.shift()!;
      this.#size -= segment.size;
      dropped.push(segment);
    }
    if (dropped.length === 0) return;
    const records = dropped.reduce((sum, s) => sum + s.records, 0);
    const bytes = dropped.reduce((sum, s) => sum + s.size, 0);
    for (const segment of dropped) segment.forget();
    this.#enqueue(() => this.#unlink(dropped));
    if (bytes > 0) this.#emit({ kind: 'dropped', records, bytes });
  }

  /** Reports crossings of maxBytes and wakes waitForSpace() callers. */
  #checkLimit(): void {
    const over = this.#size >= this.#maxBytes;
    if (over === this.#over) return;
    this.#over = over;
    if (over) {
      this.#emit({ kind: 'full', sizeBytes: this.#size, maxBytes: this.#maxBytes });
      return;
    }
    this.#emit({ kind: 'space', sizeBytes: this.#size });
    for (const wake of this.#spaceWaiters.splice(0)) wake();
  }

  /** The first append of a window starts its timer; appends while a commit waits to start ride along with it. */
  #scheduleCommit(): void {
    if (this.#timer !== null || this.#commitQueued) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#queueCommit();
    }, this.#commitIntervalMs);
  }

  #queueCommit(): void {
    if (this.#commitQueued) return;
    this.#commitQueued = true;
    this.#enqueue(() => this.#commit());
  }

  /** One group commit: per segment with unwritten records (usually just the active one), one writev and one fdatasync. */
  async #commit(): Promise<void> {
    // Appends from here on gather for the next commit.
    this.#commitQueued = false;
    if (this.#failure) return;
    for (const segment of [...this.#segments]) {
      if (segment.deleted || !segment.hasUnwritten) continue;
      const started = performance.now();
      const batch = segment.take();
      await this.#openFile(segment);
      await writeAll(segment.handle!, batch.chunks);
      segment.wrote(batch);
      await segment.handle!.datasync();
      this.#advanceDurable(segment.base + segment.written);
      this.#notify(this.#onCommit, { records: batch.records, bytes: batch.bytes, ms: performance.now() - started });
    }
    for (const segment of this.#segments) if (segment.sealed && !segment.hasUnwritten) await segment.closeHandle();
  }

  /** Opens a segment's file for append, creating it, and makes its folder entry durable. */
  async #openFile(segment: Segment): Promise<void> {
    segment.handle ??= await open(segment.path, 'a');
    if (segment.onDisk) return;
    await syncDir(this.#dir);
    segment.onDisk = true;
  }

  async #unlink(segments: readonly Segment[]): Promise<void> {
    for (const segment of segments) {
      await segment.closeHandle();
      await unlinkIfExists(segment.path);
    }
  }

  #enqueue(operation: () => Promise<void>): Promise<void> {
    const run = this.#io.then(operation).catch((error) => this.#fail(error));
    this.#io = run;
    return run;
  }

  #advanceDurable(position: number): void {
    if (position <= this.#durable) return;
    this.#durable = position;
    // Count, then take them in one splice: shift() per waiter moves the rest of the array each time
    // once it is large (V8 cannot trim arrays in large-object space), so a commit releasing tens
    // of thousands of waiters cost quadratic time and the overloaded daemon collapsed.
    const waiters = this.#flushWaiters;
    let ready = 0;
    while (ready < waiters.length && waiters[ready].target <= position) ready++;
    if (ready === 0) return;
    for (const waiter of waiters.splice(0, ready)) waiter.resolve();
  }

  #fail(error: unknown): void {
    if (this.#failure) return;
    const message = error instanceof Error ? error.message : String(error);
    this.#failure = new RecurError(
      ErrorCodes.LOG_IO,
      `ingest log ${this.#dir} failed: ${message}; records from position ${this.#durable} on are not durable; restart to recover`,
      { dir: this.#dir, durablePosition: this.#durable },
      { cause: error },
    );
    for (const waiter of this.#flushWaiters.splice(0)) waiter.reject(this.#failure);
  }

  #emit(event: LogEvent): void {
    this.#notify(this.#onEvent, event);
  }

  /** A throwing listener must not pass for a disk failure (or abort an append): it is rethrown on its own. */
  #notify<T>(listener: ((value: T) => void) | undefined, value: T): void {
    if (!listener) return;
    try {
      listener(value);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
