import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { type FileSourceOptions, fileSource } from '../../src/sources/file/file-source.js';
import type { Rejected, ResumeHooks } from '../../src/sources/types.js';
import { waitFor } from './wait-for.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-file-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs a file source in virtual time; returns each frame with the virtual time it was emitted at. */
function inVirtualTime(options: Omit<FileSourceOptions, 'scheduler'>) {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const emitted: { at: number; frame: Frame }[] = [];
  const rejected: Rejected[] = [];
  let completedAt = -1;
  scheduler.run(() => {
    fileSource({ ...options, scheduler }, { onReject: (r) => rejected.push(r) }).subscribe({
      next: (frame) => emitted.push({ at: scheduler.now(), frame }),
      complete: () => {
        completedAt = scheduler.now();
      },
    });
  });
  return { emitted, rejected, completedAt };
}

// Ten records one second apart, two streams, ISO timestamps.
const csv = ['time,sensor,temp,hum', ...Array.from({ length: 10 }, (_, i) => `2024-05-01T00:00:${String(i).padStart(2, '0')}Z,s${i % 2},${i},${i * 2}`)].join(
  '\n',
);

describe('fileSource', () => {
  it('replays CSV as fast as possible: all frames at virtual time 0, values and ids from the columns', () => {
    const { emitted, completedAt } = inVirtualTime({ path: file('max.csv', csv), format: 'csv', timestampField: 'time', stream: { column: 'sensor' } });
    expect(emitted).toHaveLength(10);
    expect(emitted.every((e) => e.at === 0)).toBe(true);
    expect(completedAt).toBe(0);
    expect(emitted[3].frame).toEqual({ stream: 's1', t: Date.UTC(2024, 4, 1, 0, 0, 3), values: new Float32Array([3, 6]) });
  });

  it('paces by timestamps: speed 2 takes half the virtual time of speed 1', () => {
    const path = file('paced.csv', csv);
    const once = inVirtualTime({ path, format: 'csv', timestampField: 'time', fields: ['temp', 'hum'], speed: 1 });
    const twice = inVirtualTime({ path, format: 'csv', timestampField: 'time', fields: ['temp', 'hum'], speed: 2 });
    expect(once.emitted.map((e) => e.at)).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]);
    expect(twice.emitted.map((e) => e.at)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500]);
    expect(twice.completedAt).toBe(once.completedAt / 2);
  });

  it('reads JSONL with epoch seconds and rejects bad lines with their line number, going on after them', () => {
    const path = file(
      'mixed.jsonl',
      ['{"t": 1, "v": 1}', '{"t": 2, "v": "x"}', 'not json', '{"t": 2, "v": 2}', '{"t": 2, "v": 3}', '{"t": 1.5, "v": 4}', '{"t": 3, "v": 5}'].join('\n'),
    );
    const { emitted, rejected } = inVirtualTime({ path, format: 'jsonl', timestampField: 't', fields: ['v'] });
    expect(emitted.map((e) => [e.frame.stream, e.frame.t, e.frame.values[0]])).toEqual([
      ['mixed', 1000, 1],
      ['mixed', 2000, 2],
      ['mixed', 3000, 5],
    ]);
    expect(rejected.map((r) => [r.code, r.origin])).toEqual([
      ['RECUR_E_NOT_A_NUMBER', `${path}:2`],
      ['RECUR_E_PARSE_JSON', `${path}:3`],
      ['RECUR_E_DUPLICATE_TIMESTAMP', `${path}:5`],
      ['RECUR_E_OUT_OF_ORDER', `${path}:6`],
    ]);
    expect(rejected[1]).toMatchObject({ payload: 'not json', encoding: 'utf8', source: 'file' });
  });

  it('errors with SOURCE_UNAVAILABLE for a missing file and CONFIG for a header without the timestamp column', async () => {
    const errors: unknown[] = [];
    fileSource({ path: join(dir, 'nope.csv'), format: 'csv', timestampField: 't' }, { onReject: () => {} }).subscribe({ error: (e) => errors.push(e) });
    fileSource({ path: file('nohead.csv', 'a,b\n1,2\n'), format: 'csv', timestampField: 't' }, { onReject: () => {} }).subscribe({
      error: (e) => errors.push(e),
    });
    await waitFor(() => errors.length === 2, 'two errors');
    expect(errors.map((e) => (e as { code: string }).code)).toEqual(['RECUR_E_SOURCE_UNAVAILABLE', 'RECUR_E_CONFIG']);
  });

  it('follows a growing file like tail -f, holding a partial last line until its newline arrives', async () => {
    const path = file('follow.csv', 'ts,v\n1000,1\n2000,2\n3000,');
    const frames: Frame[] = [];
    const subscription = fileSource(
      { path, format: 'csv', timestampField: 'ts', timestampUnit: 'ms', follow: true, pollMs: 20 },
      { onReject: () => {} },
    ).subscribe((frame) => frames.push(frame));
    try {
      await waitFor(() => frames.length === 2);
      appendFileSync(path, '3');
      appendFileSync(path, '\n4000,4\n5000');
      await waitFor(() => frames.length === 4);
      appendFileSync(path, ',5\n');
      await waitFor(() => frames.length === 5);
      expect(frames.map((f) => [f.t, f.values[0]])).toEqual([
        [1000, 1],
        [2000, 2],
        [3000, 3],
        [4000, 4],
        [5000, 5],
      ]);
      expect(subscription.closed).toBe(false);
    } finally {
      subscription.unsubscribe();
    }
  });

  describe('resuming from a read cursor (the ingest log keeps the newest)', () => {
    /** Reads a whole file with resume hooks, as the daemon does with its ingest log on. */
    function readAll(options: Omit<FileSourceOptions, 'scheduler'>, resume: Partial<ResumeHooks> = {}, log: string[] = []) {
      const hooks: ResumeHooks = { cursor: resume.cursor ?? (() => undefined), room: resume.room ?? (() => undefined) };
      const context = { onReject: () => {}, resume: hooks, log: (_level: string, message: string) => log.push(message) };
      return lastValueFrom(fileSource(options, context).pipe(toArray()));
    }
    const plain = ({ cursor: _, ...frame }: Frame) => frame;

    it('stamps every frame with its cursor; resuming at any of them yields exactly the frames after it', async () => {
      // CRLF endings, multi-byte text and a line holding two records: byte offsets and partial lines are exercised.
      const lines = Array.from({ length: 30 }, (_, i) =>
        i % 7 === 3 ? `[{"t":${i * 10},"v":${i},"note":"été"},{"t":${i * 10 + 5},"v":${-i}}]` : `{"t":${i * 10},"v":${i},"note":"ünïcode ✓"}`,
      );
      const path = file('resume.jsonl', `${lines.join('\r\n')}\r\n`);
      const options = { path, format: 'jsonl' as const, timestampField: 't', timestampUnit: 'ms' as const, fields: ['v'], batch: 4 };
      const all = await readAll(options);
      expect(all).toHaveLength(34);
      expect(all.every((frame) => frame.cursor?.source === `file:${path}`)).toBe(true);
      for (let k = 0; k < all.length; k++) {
        const log: string[] = [];
        const rest = await readAll(options, { cursor: (source) => (source === `file:${path}` ? all[k].cursor?.at : undefined) }, log);
        expect(rest.map(plain)).toEqual(all.slice(k + 1).map(plain));
        expect(log).toContain('file source resumes where the last run stopped');
      }
    });

    it('re-reads the CSV header before seeking, and starts over when the file was truncated or replaced', async () => {
      const path = file('resume.csv', csv);
      const options = { path, format: 'csv' as const, timestampField: 'time', stream: { column: 'sensor' } };
      const all = await readAll(options);
      const rest = await readAll(options, { cursor: () => all[6].cursor?.at });
      expect(rest.map(plain)).toEqual(all.slice(7).map(plain));
      const inode = all[6].cursor?.at[3];
      for (const cursor of [
        [1e9, 500, 1, inode],
        [...(all[6].cursor?.at.slice(0, 3) ?? []), Number(inode) + 1],
      ]) {
        const log: string[] = [];
        const again = await readAll(options, { cursor: () => cursor as number[] }, log);
        expect(again.map(plain)).toEqual(all.map(plain));
        expect(log[0]).toMatch(/replaced or truncated since the last run/);
      }
    });

    it('reads nothing more while the pipeline has no room, and goes on when it has', async () => {
      let open: () => void = () => {};
      let blocked = true;
      const frames: Frame[] = [];
      const hooks: ResumeHooks = {
        cursor: () => undefined,
        room: () =>
          blocked
            ? new Promise<void>((resolve) => {
                open = resolve;
              })
            : undefined,
      };
      const path = file('room.csv', csv);
      const subscription = fileSource({ path, format: 'csv', timestampField: 'time', fields: ['temp'] }, { onReject: () => {}, resume: hooks }).subscribe(
        (frame) => frames.push(frame),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(frames).toHaveLength(0);
      blocked = false;
      open();
      await waitFor(() => frames.length === 10);
      subscription.unsubscribe();
    });
  });
});
