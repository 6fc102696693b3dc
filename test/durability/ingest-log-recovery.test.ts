import { appendFile, mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestLog, type LogEvent } from '../../src/durability/ingest-log/index.js';
import { ErrorCodes, isRecurError } from '../../src/errors.js';
import { thrown } from '../helpers/thrown.js';
import { type Appended, appendMany, baseOf, readAll, recordBytes, segmentFiles } from './ingest-log-helpers.js';

let dir: string;
const logs: IngestLog[] = [];
const segmentBytes = 1024;
const maxBytes = 1024 * 1024;

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'recur-ingest-recovery-')), 'log');
});

afterEach(async () => {
  for (const log of logs.splice(0)) await log.close().catch(() => {});
  await rm(join(dir, '..'), { recursive: true, force: true });
});

async function openLog(events: LogEvent[] = []): Promise<IngestLog> {
  const log = await IngestLog.open({ dir, segmentBytes, maxBytes, onEvent: (e) => events.push(e) });
  logs.push(log);
  return log;
}

/** Writes `count` records, closes the log, returns what was written. */
async function writeLog(count: number): Promise<Appended[]> {
  const log = await IngestLog.open({ dir, segmentBytes, maxBytes });
  const appended = appendMany(log, 0, count);
  await log.close();
  return appended;
}

/** The segment file holding `position`, and the offset of `position` in it. */
async function locate(position: number): Promise<{ path: string; offset: number }> {
  const name = (await segmentFiles(dir)).filter((n) => baseOf(n) <= position).at(-1)!;
  return { path: join(dir, name), offset: position - baseOf(name) };
}

async function flipByte(path: string, offset: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[offset] ^= 0x5a;
  await writeFile(path, bytes);
}

async function setU32(path: string, offset: number, value: number): Promise<void> {
  const handle = await open(path, 'r+');
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  await handle.write(bytes, 0, 4, offset);
  await handle.close();
}

describe('IngestLog recovery', () => {
  it('a torn last record (file cut mid-record) is cut off; appends continue at the cut', async () => {
    const appended = await writeLog(20);
    const last = appended[19];
    const { path, offset } = await locate(last.position);
    const fileSize = (await stat(path)).size;
    await truncate(path, fileSize - 3);

    const events: LogEvent[] = [];
    const log = await openLog(events);
    const event = { kind: 'truncated', segment: path, offset, bytesDropped: recordBytes(19) - 3, reason: 'torn' };
    expect(log.recovery).toEqual({ truncatedBytes: recordBytes(19) - 3, events: [event] });
    expect(events).toEqual([event]);
    expect(readAll(log)).toEqual(appended.slice(0, 19));
    expect(log.endPosition).toBe(last.position);
    expect((await stat(path)).size).toBe(offset);

    const more = appendMany(log, 100, 2);
    expect(more[0].position).toBe(last.position);
    await log.close();
    const reopened = await openLog();
    expect(reopened.recovery.events).toEqual([]);
    expect(readAll(reopened)).toEqual([...appended.slice(0, 19), ...more]);
  });

  it('a file that ends inside a record header is torn too', async () => {
    const appended = await writeLog(5);
    const { path, offset } = await locate(appended[4].position);
    await truncate(path, offset + 5);
    const log = await openLog();
    expect(log.recovery.events).toEqual([{ kind: 'truncated', segment: path, offset, bytesDropped: 5, reason: 'torn' }]);
    expect(readAll(log)).toEqual(appended.slice(0, 4));
  });

  it('a flipped byte in the last payload is a CRC failure; new records start past the old end, never reusing a position', async () => {
    const appended = await writeLog(20);
    const last = appended[19];
    const { path, offset } = await locate(last.position);
    const oldEnd = last.position + recordBytes(19);
    await flipByte(path, offset + 8 + 3);

    const log = await openLog();
    expect(log.recovery.events).toEqual([{ kind: 'truncated', segment: path, offset, bytesDropped: recordBytes(19), reason: 'crc' }]);
    expect(readAll(log)).toEqual(appended.slice(0, 19));
    expect(log.endPosition).toBe(oldEnd);
    const more = appendMany(log, 100, 2);
    expect(more[0].position).toBe(oldEnd);
    await log.close();
    expect(readAll(await openLog())).toEqual([...appended.slice(0, 19), ...more]);
  });

  it('an impossible length is a length failure', async () => {
    const appended = await writeLog(10);
    const { path, offset } = await locate(appended[9].position);
    await setU32(path, offset, 0xfffffff0);
    const log = await openLog();
    expect(log.recovery.events).toMatchObject([{ kind: 'truncated', offset, reason: 'length' }]);
    expect(readAll(log)).toEqual(appended.slice(0, 9));
  });

  it('a zero-filled tail (size grew, data never landed) is cut off, not read as empty records', async () => {
    const appended = await writeLog(10);
    const { path } = await locate(appended[9].position);
    const fileSize = (await stat(path)).size;
    await appendFile(path, Buffer.alloc(300));
    const log = await openLog();
    expect(log.recovery.events).toEqual([{ kind: 'truncated', segment: path, offset: fileSize, bytesDropped: 300, reason: 'length' }]);
    expect(readAll(log)).toEqual(appended);
  });

  it('damage in the middle of the newest segment: the rest of that segment is cut off and positions still never go back', async () => {
    const appended = await writeLog(12);
    expect((await segmentFiles(dir)).length).toBe(1);
    const { path, offset } = await locate(appended[5].position);
    const oldEnd = appended[11].position + recordBytes(11);
    await flipByte(path, offset + 8);

    const log = await openLog();
    expect(log.recovery).toEqual({
      truncatedBytes: oldEnd - appended[5].position,
      events: [{ kind: 'truncated', segment: path, offset, bytesDropped: oldEnd - appended[5].position, reason: 'crc' }],
    });
    expect(readAll(log)).toEqual(appended.slice(0, 5));
    expect(log.endPosition).toBe(oldEnd);
    expect(appendMany(log, 100, 1)[0].position).toBe(oldEnd);
  });

  it('damage in an older segment: that segment is cut at the bad record, later segments are kept at their positions', async () => {
    const appended = await writeLog(100);
    const files = await segmentFiles(dir);
    expect(files.length).toBeGreaterThan(4);
    // The 5th record of the second segment.
    const second = baseOf(files[1]);
    const inSecond = appended.filter((a) => a.position >= second && a.position < baseOf(files[2]));
    const bad = inSecond[4];
    const { path, offset } = await locate(bad.position);
    expect(path).toBe(join(dir, files[1]));
    const secondSize = (await stat(path)).size;
    await flipByte(path, offset + 8 + 2);

    const log = await openLog();
    expect(log.recovery.events).toEqual([{ kind: 'truncated', segment: path, offset, bytesDropped: secondSize - offset, reason: 'crc' }]);
    const lost = new Set(inSecond.slice(4).map((a) => a.position));
    expect(readAll(log)).toEqual(appended.filter((a) => !lost.has(a.position)));
    expect(log.endPosition).toBe(appended[99].position + recordBytes(99));
    // Reading across the gap, from inside it, starts at the next segment.
    expect(readAll(log, bad.position)[0].position).toBe(baseOf(files[2]));
  });

  it('read() refuses a record damaged after recovery with RECUR_E_LOG_CORRUPT', async () => {
    const appended = await writeLog(50);
    const log = await openLog();
    const { path, offset } = await locate(appended[3].position);
    await flipByte(path, offset + 9);
    const error = thrown(() => readAll(log));
    expect(isRecurError(error, ErrorCodes.LOG_CORRUPT)).toBe(true);
    expect((error as { details: unknown }).details).toEqual({ segment: path, offset });
  });

  it('refuses to open segments that overlap (not something a crash can produce)', async () => {
    await writeLog(100);
    const files = await segmentFiles(dir);
    const bytes = await readFile(join(dir, files[1]));
    await writeFile(join(dir, `${String(baseOf(files[1]) + 1).padStart(20, '0')}.log`), bytes);
    await expect(IngestLog.open({ dir, segmentBytes, maxBytes })).rejects.toMatchObject({ code: ErrorCodes.LOG_CORRUPT });
  });
});
