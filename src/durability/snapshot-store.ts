import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeFileAtomic } from '../daemon/pipeline/snapshot-file.js';
import { ErrorCodes, RecurError } from '../errors.js';

/** What a durable snapshot says besides the model state. */
export interface SnapshotMeta {
  /** Every log record below this position is reflected in the state and written by every sink. */
  readonly position: number;
  /** Each sink's durable position when the snapshot was committed, by sink name. */
  readonly sinks: Readonly<Record<string, number>>;
  /** Each replayable source's read cursor at `position` (absent in snapshots before cursors existed). */
  readonly sources?: Readonly<Record<string, readonly number[]>>;
  /** Streams evicted for idleness, with their last stepped timestamps (absent in older snapshots). */
  readonly evicted?: Readonly<Record<string, number>>;
  /** Wall-clock time of the capture (ISO 8601). */
  readonly takenAt: string;
}

export interface StoredSnapshot {
  readonly meta: SnapshotMeta;
  /** The model's own snapshot (StreamingModel.snapshot()). */
  readonly model: Uint8Array;
  readonly file: string;
}

const MAGIC = 0x53444352; // 'RCDS' little endian
const VERSION = 1;
const NAME = /^snapshot-(\d{20})\.rcds$/;

function encode(meta: SnapshotMeta, model: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const bytes = new Uint8Array(12 + json.length + 4 + model.length + 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  let at = 12 + json.length;
  view.setUint32(at, model.length, true);
  bytes.set(model, at + 4);
  at += 4 + model.length;
  view.setUint32(at, crc32(bytes.subarray(0, at)) >>> 0, true);
  return bytes;
}

function decode(bytes: Uint8Array, file: string): StoredSnapshot {
  const fail = (what: string) => new RecurError(ErrorCodes.SNAPSHOT, `snapshot ${file}: ${what}`);
  if (bytes.length < 20) throw fail(`expected at least 20 bytes, received ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw fail('expected the RCDS magic number; not a recur durable snapshot');
  if (view.getUint32(4, true) !== VERSION) throw fail(`expected version ${VERSION}, received ${view.getUint32(4, true)}`);
  const jsonLength = view.getUint32(8, true);
  const modelAt = 12 + jsonLength + 4;
  if (modelAt > bytes.length - 4) throw fail('truncated header');
  const modelLength = view.getUint32(12 + jsonLength, true);
  const end = modelAt + modelLength;
  if (end + 4 !== bytes.length) throw fail(`expected ${end + 4} bytes, received ${bytes.length} (truncated or padded)`);
  const expected = view.getUint32(end, true);
  const actual = crc32(bytes.subarray(0, end)) >>> 0;
  if (expected !== actual) throw fail(`CRC-32 mismatch (stored ${expected}, computed ${actual}): the file is corrupt`);
  const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength))) as SnapshotMeta;
  return { meta, model: bytes.slice(modelAt, end), file };
}

/**
 * Durable snapshots in one folder, named by the log position they reflect. Each is written
 * atomically; the newest `keep` are kept so a corrupt newest one falls back to the one before
 * (the log is retained from the oldest kept snapshot on, so that fallback can replay).
 */
export class SnapshotStore {
  readonly dir: string;
  readonly keep: number;

  /** @param keep snapshots kept. @default 2 */
  constructor(dir: string, keep = 2) {
    this.dir = dir;
    this.keep = Math.max(1, keep);
    mkdirSync(dir, { recursive: true });
  }

  /** Positions of the snapshots on disk, newest first. */
  positions(): number[] {
    return readdirSync(this.dir)
      .map((name) => NAME.exec(name))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => b - a);
  }

  /** The oldest kept snapshot's position (what the log must be retained from), if any. */
  oldestPosition(): number | undefined {
    const all = this.positions();
    return all.length > 0 ? all[all.length - 1] : undefined;
  }

  #path(position: number): string {
    return join(this.dir, `snapshot-${String(position).padStart(20, '0')}.rcds`);
  }

  /** Writes a snapshot atomically, then deletes all but the newest `keep`. */
  save(meta: SnapshotMeta, model: Uint8Array): string {
    const path = this.#path(meta.position);
    writeFileAtomic(path, encode(meta, model));
    for (const old of this.positions().slice(this.keep)) rmSync(this.#path(old), { force: true });
    return path;
  }

  /** Deletes snapshots below `position`: the log they would replay from is gone. */
  dropOlderThan(position: number): void {
    for (const old of this.positions()) if (old < position) rmSync(this.#path(old), { force: true });
  }

  /**
   * Snapshots newest first, each read and checked when reached; a corrupt one is reported to
   * `onCorrupt`, renamed to `*.corrupt` and skipped, so the caller falls back to the one before.
   */
  *newestFirst(onCorrupt: (file: string, error: Error) => void): Generator<StoredSnapshot> {
    for (const position of this.positions()) {
      const file = this.#path(position);
      try {
        yield decode(new Uint8Array(readFileSync(file)), file);
      } catch (error) {
        onCorrupt(file, error as Error);
        // Kept for inspection, out of the way of later captures and of retention.
        renameSync(file, `${file}.corrupt`);
      }
    }
  }
}
