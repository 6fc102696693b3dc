import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, RecurError } from '../../errors.js';
import { FileSource, parseSegmentName, segmentName, syncDirSync } from './files.js';
import { RecordScanner } from './record.js';
import type { LogEvent } from './types.js';

export interface RecoveredSegment {
  readonly base: number;
  readonly size: number;
  readonly records: number;
}

export interface RecoveredLog {
  /** Oldest first; the last one takes new records. */
  readonly segments: RecoveredSegment[];
  readonly events: LogEvent[];
  readonly truncatedBytes: number;
}

/**
 * Makes the folder a log whose every record passes its checks, before anything reads or appends.
 *
 * Every segment is scanned (each record's length and CRC), not only the newest: the scan also
 * counts records (for dropOldest's reports), and damage found now is cut off and reported instead
 * of failing replay later. A segment is cut at its first bad record: after a bad length nothing
 * that follows can be framed, and one bad CRC is as likely a bad length as a bad payload. Later
 * segments are kept: each is framed on its own from its file name's base offset, and its records
 * pass their own CRCs, so dropping them would lose good data to save nothing.
 *
 * Positions never go back: when the newest segment is cut anywhere but at a torn end (bytes that
 * were never fully written, so never acknowledged), new records start in a fresh segment at the
 * old end of the file, above every position the cut-off records may have been given.
 *
 * Synchronous: it runs once at start-up, before there is anything else to do.
 */
export function recover(dir: string, lengthLimit: number, emit: (event: LogEvent) => void): RecoveredLog {
  mkdirSync(dir, { recursive: true });
  const bases = readdirSync(dir)
    .map(parseSegmentName)
    .filter((base): base is number => base !== null)
    .sort((a, b) => a - b);
  const segments: RecoveredSegment[] = [];
  const events: LogEvent[] = [];
  let truncatedBytes = 0;
  let resumeAt: number | null = null;

  bases.forEach((base, i) => {
    const path = join(dir, segmentName(base));
    const newest = i === bases.length - 1;
    const fd = openSync(path, 'r+');
    try {
      const fileSize = fstatSync(fd).size;
      const scanner = new RecordScanner(new FileSource(fd), fileSize, lengthLimit);
      let size = fileSize;
      let records = 0;
      for (let scanned = scanner.next(); scanned !== null; scanned = scanner.next()) {
        if (!('damage' in scanned)) {
          records++;
          continue;
        }
        ftruncateSync(fd, scanned.offset);
        fsyncSync(fd);
        size = scanned.offset;
        truncatedBytes += fileSize - size;
        const event: LogEvent = { kind: 'truncated', segment: path, offset: size, bytesDropped: fileSize - size, reason: scanned.damage };
        events.push(event);
        emit(event);
        if (newest && scanned.damage !== 'torn') resumeAt = base + fileSize;
      }
      // A crashed process leaves its last writes in the page cache: fsync what is now treated as durable.
      if (newest) fsyncSync(fd);
      const next = bases[i + 1];
      if (next !== undefined && base + size > next) {
        throw new RecurError(ErrorCodes.LOG_CORRUPT, `segment ${path} holds ${size} bytes, reaching past the next segment's base ${next}`, {
          segment: path,
          size,
          next,
        });
      }
      segments.push({ base, size, records });
    } finally {
      closeSync(fd);
    }
  });

  if (resumeAt !== null) {
    // The empty file carries the new base offset across restarts.
    closeSync(openSync(join(dir, segmentName(resumeAt)), 'wx'));
    syncDirSync(dir);
    segments.push({ base: resumeAt, size: 0, records: 0 });
  }
  return { segments, events, truncatedBytes };
}
