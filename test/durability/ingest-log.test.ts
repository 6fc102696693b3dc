import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommitInfo, IngestLog, type LogEvent } from '../../src/durability/ingest-log/index.js';
import { ErrorCodes, isRecurError } from '../../src/errors.js';
import { thrown } from '../helpers/thrown.js';
import { appendMany, baseOf, payload, readAll, recordBytes, segmentFiles } from './ingest-log-helpers.js';

let dir: string;
const logs: IngestLog[] = [];

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'recur-ingest-log-')), 'log');
});

afterEach(async () => {
  for (const log of logs.splice(0)) await log.close().catch(() => {});
  await rm(join(dir, '..'), { recursive: true, force: true });
});

async function openLog(options: Partial<Parameters<typeof IngestLog.open>[0]> = {}): Promise<IngestLog> {
  const log = await IngestLog.open({ dir, ...options });
  logs.push(log);
  return log;
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('IngestLog: appends, reads, restarts', () => {
  it('round-trips many records across segment rollovers; positions are contiguous byte offsets, stable across reopen', async () => {
    const log = await openLog({ segmentBytes: 1024, maxBytes: 1024 * 1024 });
    expect(log.endPosition).toBe(0);
    const appended = appendMany(log, 0, 2000);
    for (let i = 1; i < appended.length; i++) expect(appended[i].position).toBe(appended[i - 1].position + recordBytes(i - 1));
    expect(log.endPosition).toBe(appended[1999].position + recordBytes(1999));
    // Buffered records are readable before any commit.
    expect(readAll(log)).toEqual(appended);
    await log.flush();
    expect(log.durablePosition).toBe(log.endPosition);
    expect(readAll(log)).toEqual(appended);
    const end = log.endPosition;
    await log.close();

    const files = await segmentFiles(dir);
    expect(files.length).toBeGreaterThan(50);
    let expectedBase = 0;
    for (const name of files) {
      // Each file is named by its base offset, holds whole records, and no more than segmentBytes.
      expect(baseOf(name)).toBe(expectedBase);
      const { size } = await stat(join(dir, name));
      expect(size).toBeLessThanOrEqual(1024);
      expectedBase += size;
    }
    expect(expectedBase).toBe(end);

    const reopened = await openLog({ segmentBytes: 1024, maxBytes: 1024 * 1024 });
    expect(reopened.recovery).toEqual({ truncatedBytes: 0, events: [] });
    expect(reopened.endPosition).toBe(end);
    expect(reopened.durablePosition).toBe(end);
    expect(reopened.startPosition).toBe(0);
    expect(readAll(reopened)).toEqual(appended);
    const more = appendMany(reopened, 2000, 10);
    expect(more[0].position).toBe(end);
    expect(readAll(reopened, end)).toEqual(more);
  });

  it('read(from) starts at the record at `from`, also in the middle of a segment and between records', async () => {
    const log = await openLog({ segmentBytes: 4096, maxBytes: 1024 * 1024 });
    const appended = appendMany(log, 0, 500);
    await log.flush();
    for (const k of [0, 1, 37, 250, 499]) {
      expect(readAll(log, appended[k].position)).toEqual(appended.slice(k));
      expect(readAll(log, appended[k].position + 1)).toEqual(appended.slice(k + 1));
    }
    expect(readAll(log, log.endPosition)).toEqual([]);
    // Records appended after flush, still in memory, follow the ones on disk.
    const buffered = appendMany(log, 500, 3);
    expect(readAll(log, appended[498].position)).toEqual([...appended.slice(498), ...buffered]);
  });

  it('what flush() resolved for is readable by a fresh open of the folder, with or without close()', async () => {
    const log = await openLog();
    const appended = appendMany(log, 0, 100);
    await log.flush();
    // Another instance sees the files as a restart after a crash would.
    const fresh = await IngestLog.open({ dir });
    expect(readAll(fresh)).toEqual(appended);
    await fresh.close();

    const more = appendMany(log, 100, 5);
    await log.close();
    const reopened = await openLog();
    expect(readAll(reopened)).toEqual([...appended, ...more]);
  });

  it('group commit: 10,000 appends, then one flush, take one write and one fsync', async () => {
    const commits: CommitInfo[] = [];
    const log = await openLog({ onCommit: (commit) => commits.push(commit) });
    appendMany(log, 0, 10_000);
    expect(log.durablePosition).toBe(0);
    await log.flush();
    expect(commits.length).toBe(1);
    expect(commits[0].records).toBe(10_000);
    expect(commits[0].bytes).toBe(log.endPosition);
    expect(log.durablePosition).toBe(log.endPosition);
  });

  it('group commit: appends with a flush each, spread over many event-loop turns, share few fsyncs', async () => {
    const commits: CommitInfo[] = [];
    const log = await openLog({ commitIntervalMs: 20, onCommit: (commit) => commits.push(commit) });
    const flushes: Promise<void>[] = [];
    for (let turn = 0; turn < 200; turn++) {
      for (let i = 0; i < 10; i++) {
        log.append(payload(turn * 10 + i));
        flushes.push(log.flush());
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(flushes);
    expect(commits.reduce((sum, c) => sum + c.records, 0)).toBe(2000);
    // Each fsync covers a window (and whatever gathered while the previous one ran), not a record.
    expect(commits.length).toBeLessThan(50);
    expect(log.durablePosition).toBe(log.endPosition);
  });

  it('flush() resolves only once its records are durable, in order', async () => {
    const log = await openLog({ commitIntervalMs: 200 });
    log.append(payload(0));
    const first = log.flush();
    const target = log.endPosition;
    let done = false;
    void first.then(() => {
      done = true;
    });
    await tick(20);
    expect(done).toBe(false);
    await first;
    expect(log.durablePosition).toBeGreaterThanOrEqual(target);
    // Nothing pending: resolves at once.
    await log.flush();
  });
});

describe('IngestLog: retention', () => {
  it('deleteBelow frees whole segments only and never a record at or above the position', async () => {
    const log = await openLog({ segmentBytes: 1024, maxBytes: 1024 * 1024 });
    const appended = appendMany(log, 0, 600);
    await log.flush();
    let size = log.sizeBytes;
    expect(size).toBe(log.endPosition);
    for (const k of [0, 3, 100, 101, 250, 480, 599]) {
      const p = appended[k].position;
      const freed = log.deleteBelow(p);
      expect(log.sizeBytes).toBe(size - freed);
      size = log.sizeBytes;
      const kept = readAll(log);
      // Everything at or above p is still there, and what is below it belongs to p's segment.
      expect(kept.slice(kept.length - (600 - k))).toEqual(appended.slice(k));
      expect(kept[0].position).toBe(log.startPosition);
      expect(log.startPosition).toBeLessThanOrEqual(p);
      expect(p - log.startPosition).toBeLessThan(1024);
      expect(kept).toEqual(appended.filter((a) => a.position >= log.startPosition));
    }
    expect(log.deleteBelow(appended[599].position)).toBe(0);
  });

  it('a fully consumed log shrinks to zero bytes and keeps its positions across a restart', async () => {
    const log = await openLog({ segmentBytes: 1024, maxBytes: 1024 * 1024 });
    appendMany(log, 0, 100);
    const end = log.endPosition;
    // Not even flushed yet: consumed records need not be written at all.
    expect(log.deleteBelow(end)).toBe(end);
    expect(log.sizeBytes).toBe(0);
    expect(log.startPosition).toBe(end);
    expect(log.endPosition).toBe(end);
    await log.flush();
    expect(log.durablePosition).toBe(end);
    await log.close();
    expect(await segmentFiles(dir)).toEqual([`${String(end).padStart(20, '0')}.log`]);

    const reopened = await openLog({ segmentBytes: 1024, maxBytes: 1024 * 1024 });
    expect(reopened.endPosition).toBe(end);
    expect(reopened.sizeBytes).toBe(0);
    expect(readAll(reopened)).toEqual([]);
    const more = appendMany(reopened, 100, 3);
    expect(more[0].position).toBe(end);
    await reopened.close();
    expect(readAll(await openLog({ segmentBytes: 1024, maxBytes: 1024 * 1024 }))).toEqual(more);
  });

  it('backpressure: full at maxBytes, waitForSpace() pending until deleteBelow frees, full/space events once per crossing', async () => {
    const events: LogEvent[] = [];
    const log = await openLog({ segmentBytes: 1024, maxBytes: 4096, onEvent: (e) => events.push(e) });
    expect(log.segmentBytes).toBe(1024);
    const appended: ReturnType<typeof appendMany> = [];
    let i = 0;
    while (!log.full) appended.push(...appendMany(log, i++, 1));
    expect(log.sizeBytes).toBeGreaterThanOrEqual(4096);
    expect(events).toEqual([{ kind: 'full', sizeBytes: log.sizeBytes, maxBytes: 4096 }]);
    let woke = false;
    void log.waitForSpace().then(() => {
      woke = true;
    });
    await log.flush();
    await tick(20);
    expect(woke).toBe(false);

    // Headroom for frames already in flight, then refusal (not loss).
    const error = thrown(() => {
      for (;;) appended.push(...appendMany(log, i++, 1));
    });
    i--;
    expect(isRecurError(error, ErrorCodes.LOG_FULL)).toBe(true);
    expect(log.sizeBytes).toBeLessThanOrEqual(4096 + 1024);
    expect(events.filter((e) => e.kind === 'full')).toHaveLength(1);

    const cut = appended[Math.floor(appended.length / 2)].position;
    expect(log.deleteBelow(cut)).toBeGreaterThan(0);
    expect(log.full).toBe(false);
    await tick();
    expect(woke).toBe(true);
    expect(events.at(-1)).toEqual({ kind: 'space', sizeBytes: log.sizeBytes });
    expect(readAll(log, cut)).toEqual(appended.filter((a) => a.position >= cut));
    await log.waitForSpace();
  });

  it('dropOldest: deletes the oldest segments when full, counts the dropped records, never reports full', async () => {
    const events: LogEvent[] = [];
    const log = await openLog({ segmentBytes: 1024, maxBytes: 4096, whenFull: 'dropOldest', onEvent: (e) => events.push(e) });
    const appended = [];
    for (let i = 0; i < 400; i++) {
      appended.push(...appendMany(log, i, 1));
      expect(log.sizeBytes).toBeLessThan(4096);
      expect(log.full).toBe(false);
    }
    await log.waitForSpace();
    const dropped = events.filter((e) => e.kind === 'dropped');
    expect(events.filter((e) => e.kind !== 'dropped')).toEqual([]);
    expect(dropped.length).toBeGreaterThan(3);
    const kept = readAll(log);
    expect(dropped.reduce((sum, e) => sum + e.records, 0) + kept.length).toBe(400);
    expect(dropped.reduce((sum, e) => sum + e.bytes, 0) + log.sizeBytes).toBe(log.endPosition);
    // The newest records survive, at their positions.
    expect(kept).toEqual(appended.slice(400 - kept.length));
    expect(log.startPosition).toBe(kept[0].position);
    await log.close();
    expect(readAll(await openLog({ segmentBytes: 1024, maxBytes: 4096, whenFull: 'dropOldest' }))).toEqual(kept);
  });

  it('dropOldest counts the records of segments found at open, too', async () => {
    const first = await openLog({ segmentBytes: 1024, maxBytes: 4096, whenFull: 'dropOldest' });
    appendMany(first, 0, 30);
    await first.close();
    const events: LogEvent[] = [];
    const log = await openLog({ segmentBytes: 1024, maxBytes: 4096, whenFull: 'dropOldest', onEvent: (e) => events.push(e) });
    appendMany(log, 30, 400);
    const dropped = events.filter((e) => e.kind === 'dropped').reduce((sum, e) => sum + e.records, 0);
    expect(dropped + readAll(log).length).toBe(430);
  });
});

describe('IngestLog: errors', () => {
  it('refuses records that cannot fit a segment, empty records, and use after close', async () => {
    const log = await openLog({ segmentBytes: 1024, maxBytes: 8192 });
    expect(
      isRecurError(
        thrown(() => log.append(new Uint8Array(1024 - 7))),
        ErrorCodes.PAYLOAD_TOO_LARGE,
      ),
    ).toBe(true);
    expect(log.append(new Uint8Array(1024 - 8))).toBe(0);
    expect(thrown(() => log.append(new Uint8Array(0)))).toBeInstanceOf(RangeError);
    await log.close();
    expect(
      isRecurError(
        thrown(() => log.append(payload(1))),
        ErrorCodes.LOG_CLOSED,
      ),
    ).toBe(true);
    await log.close();
  });

  it('rejects options that leave no room for segments', async () => {
    await expect(IngestLog.open({ dir, maxBytes: 100 })).rejects.toMatchObject({ code: ErrorCodes.CONFIG });
    await expect(IngestLog.open({ dir, commitIntervalMs: -1 })).rejects.toMatchObject({ code: ErrorCodes.CONFIG });
  });

  it('a failed write rejects flush() with RECUR_E_LOG_IO, and the log refuses appends from then on', async () => {
    const log = await openLog();
    await rm(dir, { recursive: true, force: true });
    log.append(payload(0));
    const error = await log.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRecurError(error, ErrorCodes.LOG_IO)).toBe(true);
    expect(log.durablePosition).toBe(0);
    expect(
      isRecurError(
        thrown(() => log.append(payload(1))),
        ErrorCodes.LOG_IO,
      ),
    ).toBe(true);
    await expect(log.close()).rejects.toMatchObject({ code: ErrorCodes.LOG_IO });
  });
});
