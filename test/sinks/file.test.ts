import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isRecurError } from '../../src/errors.js';
import type { Point } from '../../src/point.js';
import { FileSink } from '../../src/sinks/file/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recur-file-sink-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const point = (i: number): Point => ({ measurement: 'm', tags: { stream: `s${i % 3}` }, fields: { v: i, text: 'a "b"' }, t: 1_700_000_000_000 + i });

describe('FileSink', () => {
  it('appends line protocol with nanosecond times, and JSON lines that parse back to the points', async () => {
    const line = new FileSink({ path: join(dir, 'out.lp') });
    await line.open();
    await line.write([point(1)]);
    await line.write([{ ...point(2), t: 1_700_000_000_000.25 }]);
    await line.close();
    expect(await readFile(join(dir, 'out.lp'), 'utf8')).toBe(
      'm,stream=s1 v=1,text="a \\"b\\"" 1700000000001000000\nm,stream=s2 v=2,text="a \\"b\\"" 1700000000000250000\n',
    );

    const json = new FileSink({ path: join(dir, 'sub', 'out.jsonl'), format: 'jsonl' });
    await json.open();
    await json.write([point(1), point(2)]);
    await json.close();
    const lines = (await readFile(join(dir, 'sub', 'out.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([point(1), point(2)]);
  });

  it('rotates by size, keeps N files (.1 newest), never splits a line, loses no line it keeps', async () => {
    const path = join(dir, 'out.lp');
    const sink = new FileSink({ path, maxBytes: 300, keep: 2 });
    await sink.open();
    const all = Array.from({ length: 40 }, (_, i) => point(i));
    for (let i = 0; i < all.length; i += 3) await sink.write(all.slice(i, i + 3));
    await sink.close();

    expect((await readdir(dir)).sort()).toEqual(['out.lp', 'out.lp.1', 'out.lp.2']);
    const files = [`${path}.2`, `${path}.1`, path];
    const contents = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    for (const [i, text] of contents.entries()) {
      expect((await stat(files[i])).size).toBeLessThanOrEqual(300);
      expect(text.endsWith('\n')).toBe(true);
    }
    // Oldest to newest, the kept lines are exactly the last ones written, in order.
    const kept = contents.join('').trimEnd().split('\n');
    const values = kept.map((l) => Number(/ v=(\d+),/.exec(l)?.[1]));
    expect(values).toEqual(all.slice(all.length - kept.length).map((p) => p.fields.v));
    expect(kept.length).toBeGreaterThan(6);
  });

  it('continues an existing file after a restart, counting its size', async () => {
    const path = join(dir, 'out.lp');
    for (let run = 0; run < 2; run++) {
      const sink = new FileSink({ path, maxBytes: 60, keep: 3 });
      await sink.open();
      await sink.write([point(run)]);
      await sink.close();
    }
    expect((await readdir(dir)).sort()).toEqual(['out.lp', 'out.lp.1']);
  });

  it('refuses a batch with a newline (SINK_TEXT) and writes none of it', async () => {
    const path = join(dir, 'out.lp');
    const sink = new FileSink({ path, fsync: true });
    await sink.open();
    const error = await sink.write([point(1), { ...point(2), fields: { text: 'a\nb' } }]).catch((e: unknown) => e);
    expect(isRecurError(error, ErrorCodes.SINK_TEXT)).toBe(true);
    await sink.write([point(3)]);
    await sink.close();
    expect((await readFile(path, 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
  });
});
