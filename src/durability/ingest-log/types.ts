/** What an append does when the log holds maxBytes. */
export type WhenFull = 'backpressure' | 'dropOldest';

/** Why recovery cut a segment short: the file ends mid-record, a payload fails its CRC, or a length is impossible. */
export type DamageReason = 'torn' | 'crc' | 'length';

export type LogEvent =
  /** Recovery cut `segment` (a file path) at `offset`, dropping everything after it in that file. */
  | { kind: 'truncated'; segment: string; offset: number; bytesDropped: number; reason: DamageReason }
  /** whenFull: dropOldest deleted unconsumed records to make room. */
  | { kind: 'dropped'; records: number; bytes: number }
  /** The log reached maxBytes (once per crossing). */
  | { kind: 'full'; sizeBytes: number; maxBytes: number }
  /** The log is back below maxBytes. */
  | { kind: 'space'; sizeBytes: number };

/** One group commit: a write and an fsync of one segment file. */
export interface CommitInfo {
  readonly records: number;
  readonly bytes: number;
  /** Wall time of the write and the fsync. */
  readonly ms: number;
}

export interface IngestLogOptions {
  /** The log's folder; created when missing. */
  dir: string;
  /** A new segment file starts when the next record would not fit. Clamped to at most maxBytes/4 so retention can free space in steps. @default 64 MiB */
  segmentBytes?: number;
  /** @default 1 GiB */
  maxBytes?: number;
  /** @default 'backpressure' */
  whenFull?: WhenFull;
  /** Group-commit window: appends within it share one write and one fsync. @default 5 */
  commitIntervalMs?: number;
  onEvent?: (event: LogEvent) => void;
  /** Called after every fsync of appended records (metrics; tests count commits with it). */
  onCommit?: (commit: CommitInfo) => void;
}

export interface LogRecord {
  /** Global byte offset of the record: its segment's base offset plus its offset within the segment. */
  readonly position: number;
  readonly payload: Uint8Array;
}

export interface Recovery {
  /** Bytes cut off by recovery at open, over all segments. */
  readonly truncatedBytes: number;
  /** The 'truncated' events of this open, also sent to onEvent. */
  readonly events: LogEvent[];
}
