import { closeSync, openSync } from 'node:fs';
import { ErrorCodes, RecurError } from '../../errors.js';
import { SegmentSource } from './files.js';
import { RecordScanner } from './record.js';
import type { SegmentView } from './segment.js';
import type { LogRecord } from './types.js';

/**
 * Records with position >= from, segment by segment: each is scanned from its start (there is no
 * index; one sequential read of at most a segment), its bytes from the file up to what was written
 * when read() was called, then from memory. A segment deleted by retention meanwhile is skipped.
 */
export function* readRecords(views: readonly SegmentView[], from: number, lengthLimit: number): Generator<LogRecord> {
  for (const view of views) {
    const { segment } = view;
    let fd: number | null = null;
    if (view.diskBytes > 0) {
      try {
        fd = openSync(segment.path, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && segment.deleted) continue;
        throw corrupt(segment.path, 0, `cannot be opened (${(error as Error).message})`, error);
      }
    }
    try {
      const scanner = new RecordScanner(new SegmentSource(fd, view.diskBytes, view.memory), view.size, lengthLimit);
      for (;;) {
        let scanned: ReturnType<RecordScanner['next']>;
        try {
          scanned = scanner.next();
        } catch (error) {
          throw corrupt(segment.path, 0, `is shorter than the log wrote (${(error as Error).message})`, error);
        }
        if (scanned === null) break;
        if ('damage' in scanned) throw corrupt(segment.path, scanned.offset, `has a bad record (${scanned.damage})`);
        const position = segment.base + scanned.offset;
        if (position >= from) yield { position, payload: scanned.payload };
      }
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }
}

function corrupt(path: string, offset: number, what: string, cause?: unknown): RecurError {
  return new RecurError(ErrorCodes.LOG_CORRUPT, `ingest log segment ${path} ${what} at offset ${offset}`, { segment: path, offset }, { cause });
}
