import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isRecurError } from '../../src/errors.js';
import type { Point } from '../../src/point.js';
import type { InfluxSinkOptions } from '../../src/sinks/influx/index.js';
import { InfluxSink } from '../../src/sinks/influx/index.js';
import { type InfluxdServer, startInfluxd } from '../helpers/servers.js';
import { expected, readAll, waitFor } from './influx-read.js';

let server: InfluxdServer;
let dir: string;
let databases = 0;
const sinks: InfluxSink[] = [];

beforeAll(async () => {
  server = await startInfluxd();
  dir = await mkdtemp(join(tmpdir(), 'recur-influx-sink-'));
});

afterAll(async () => {
  await server?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A sink on a fresh database, fast to flush and retry. */
async function openSink(options: Partial<InfluxSinkOptions> = {}): Promise<InfluxSink> {
  const sink = new InfluxSink({
    url: server.url,
    database: `db${++databases}`,
    createDatabase: true,
    flushIntervalMs: 0,
    backoffBaseMs: 50,
    backoffCapMs: 400,
    deadLetterFile: join(dir, `dead-${databases}.jsonl`),
    ...options,
  });
  await sink.open();
  sinks.push(sink);
  return sink;
}

async function deadLetters(sink: InfluxSink): Promise<{ code: string; message: string; status?: number; lines?: string[]; point?: Point }[]> {
  const text = await readFile(sink.config.deadLetterFile, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('InfluxSink against influxd', () => {
  it('writes points that read back exactly: floats, integers, booleans, strings, ms/us/ns times', async () => {
    const sink = await openSink({ integerFields: { counts: ['n'] } });
    const points: Point[] = [
      {
        measurement: 'forecast',
        tags: { stream: 'pump-1', horizon: '5' },
        fields: { value: 0.1 + 0.2, lo: -1.7976931348623157e308, hi: 5e-324 },
        t: 1_700_000_000_000,
      },
      { measurement: 'counts', tags: { stream: 'pump-1' }, fields: { n: 2 ** 53 - 1, neg: -3 }, t: 1_700_000_000_001 },
      { measurement: 'events', tags: { stream: 'mic' }, fields: { word: 'héllo "world" \\ 𝄞', fired: true, quiet: false }, t: 1_700_000_000_002 },
    ];
    await sink.write(points);
    const db = sink.config.database;
    expect(await readAll(server, db)).toEqual(expected(points));
    const types = (await server.query(db, 'SHOW FIELD KEYS FROM counts')) as { results: { series: { values: string[][] }[] }[] };
    expect(types.results[0].series[0].values).toEqual([
      ['n', 'integer'],
      ['neg', 'float'],
    ]);

    const fine: Point[] = [
      { measurement: 'fine', tags: {}, fields: { v: 1 }, t: 1_700_000_000_000.5 },
      { measurement: 'fine', tags: {}, fields: { v: 2 }, t: 1_700_000_000_000.001 },
      { measurement: 'finer', tags: {}, fields: { v: 3 }, t: 0.000001 },
    ];
    await sink.write(fine.slice(0, 2));
    await sink.write(fine.slice(2));
    const stored = (await readAll(server, db)).filter((p) => p.measurement.startsWith('fine'));
    expect(stored.map((p) => p.ns).sort()).toEqual(['1', '1700000000000001000', '1700000000000500000']);
    expect(sink.pointsWritten).toBe(6);
    expect(sink.pointsDeadLettered).toBe(0);
    expect(sink.queueDepth).toBe(0);
  });

  it('round-trips random measurement, tag and field text through influxd unchanged', async () => {
    const pieces = fc.constantFrom(
      ' ',
      ',',
      '=',
      '"',
      "'",
      '\\',
      '\\ ',
      '\\,',
      '\\=',
      'a',
      'Z',
      '0',
      'é',
      '☃',
      '𝄞',
      '日本',
      '\t',
      '\u0000',
      '\u001b',
      '#',
      '{}',
      'e\u0301',
    );
    const text = fc
      .array(fc.oneof(pieces, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 })), { minLength: 1, maxLength: 10 })
      .map((parts) => parts.join('').replace(/[\r\n]/g, '_'));
    // A suffix keeps names from ending in a backslash and tag keys apart from field keys; the field's type is in its name.
    // Keys and tag values get an even number of backslashes before a delimiter (an odd run is refused, tested on its own).
    const evenRuns = (t: string) => t.replace(/\\+(?=[, =])/g, (run) => (run.length % 2 === 1 ? `${run}\\` : run));
    const name = (suffix: string) => text.map((t) => `${evenRuns(t.replace(/^[\t\0]/, 'k'))}·${suffix}`);
    const measurement = text.map((t) => (/^[\t\0#]/.test(t) ? `m${t}` : t).replaceAll('\\', '/'));
    const tagValue = text.map((t) => evenRuns(t.endsWith('\\') ? `${t}v` : t));
    const fields = fc.record({
      f: fc.dictionary(name('f'), fc.double({ noNaN: true, noDefaultInfinity: true }), { maxKeys: 2 }),
      i: fc.dictionary(name('i'), fc.maxSafeInteger(), { maxKeys: 2 }),
      s: fc.dictionary(name('s'), text, { maxKeys: 2 }),
      b: fc.dictionary(name('b'), fc.boolean(), { maxKeys: 1 }),
    });
    const point = fc.record({ measurement, tags: fc.dictionary(name('t'), tagValue, { maxKeys: 3 }), fields });
    const batch = fc
      .array(point, { minLength: 1, maxLength: 5 })
      .filter((ps) => ps.every((p) => Object.keys({ ...p.fields.f, ...p.fields.i, ...p.fields.s, ...p.fields.b }).length > 0));

    await fc.assert(
      fc.asyncProperty(batch, async (generated) => {
        const integerFields: Record<string, string[]> = {};
        const points: Point[] = generated.map((p, index) => {
          integerFields[p.measurement] = [...(integerFields[p.measurement] ?? []), ...Object.keys(p.fields.i)];
          return {
            measurement: p.measurement,
            tags: p.tags,
            fields: { ...p.fields.f, ...p.fields.i, ...p.fields.s, ...p.fields.b },
            t: 1_600_000_000_000 + index,
          };
        });
        const sink = await openSink({ integerFields });
        await sink.write(points);
        expect(sink.pointsDeadLettered).toBe(0);
        expect(await readAll(server, sink.config.database)).toEqual(expected(points));
      }),
      { numRuns: Number(process.env.RECUR_FC_RUNS ?? 100), timeout: 10_000 },
    );
  });

  it('dead-letters a point with a newline (SINK_TEXT) and writes the rest', async () => {
    const sink = await openSink();
    const good: Point = { measurement: 'ok', tags: { stream: 'a' }, fields: { v: 1 }, t: 1 };
    const bad: Point = { measurement: 'bad', tags: { stream: 'a\nb' }, fields: { v: 1 }, t: 2 };
    await sink.write([good, bad]);
    expect(await readAll(server, sink.config.database)).toEqual(expected([good]));
    const [record] = await deadLetters(sink);
    expect(record.code).toBe(ErrorCodes.SINK_TEXT);
    expect(record.message).toContain("tag 'stream' value");
    expect(record.point).toEqual(bad);
    expect(sink.pointsDeadLettered).toBe(1);
  });

  it('dead-letters a field type conflict (4xx) with the server message, writes the rest, never retries', async () => {
    const sink = await openSink();
    await sink.write([{ measurement: 'm', tags: {}, fields: { f: 1.5 }, t: 1 }]);
    const conflicting: Point = { measurement: 'm', tags: {}, fields: { f: 'text' }, t: 2 };
    const fine: Point = { measurement: 'm', tags: {}, fields: { f: 2.5 }, t: 3 };
    await sink.write([conflicting, fine]);
    const records = await deadLetters(sink);
    expect(records).toHaveLength(1);
    expect(records[0].code).toBe(ErrorCodes.SINK_REJECTED);
    expect(records[0].status).toBe(400);
    expect(records[0].message).toMatch(/^partial write: field type conflict: input field "f" on measurement "m" is type string, already exists as type float/);
    expect(records[0].lines).toEqual(['m f="text" 2']);
    expect(sink.batchesRetried).toBe(0);
    expect(sink.retries).toBe(0);
    expect(sink.pointsDeadLettered).toBe(1);
    expect(sink.pointsWritten).toBe(2);
    expect((await readAll(server, sink.config.database)).map((p) => p.fields.f)).toEqual([1.5, 2.5]);
  });

  it('reads a refusal whose message has control characters (influxd echoes them into a header)', async () => {
    const sink = await openSink();
    await sink.write([{ measurement: 'esc', tags: {}, fields: { 'f\u001b': 1 }, t: 1 }]);
    await sink.write([{ measurement: 'esc', tags: {}, fields: { 'f\u001b': 'x' }, t: 2 }]);
    const [record] = await deadLetters(sink);
    expect(record.message).toContain('input field "f\u001b" on measurement "esc" is type string');
    expect(sink.retries).toBe(0);
  });

  it('pins each dropped line by bisection when the message does not name them all', async () => {
    const sink = await openSink();
    await sink.write([
      { measurement: 'a', tags: {}, fields: { f: 1 }, t: 1 },
      { measurement: 'b', tags: {}, fields: { g: true }, t: 1 },
    ]);
    const batch: Point[] = [
      { measurement: 'a', tags: {}, fields: { f: 2 }, t: 2 },
      { measurement: 'a', tags: {}, fields: { f: 'x' }, t: 3 },
      { measurement: 'b', tags: {}, fields: { g: 7 }, t: 4 },
      { measurement: 'b', tags: {}, fields: { g: false }, t: 5 },
    ];
    await sink.write(batch);
    const lines = (await deadLetters(sink)).flatMap((r) => r.lines ?? []);
    expect(lines.sort()).toEqual(['a f="x" 3', 'b g=7 4']);
    expect(sink.pointsDeadLettered).toBe(2);
    expect(sink.retries).toBe(0);
    expect((await readAll(server, sink.config.database)).length).toBe(4);
  });

  it('dead-letters a whole batch refused with a 4xx (database missing) without retrying', async () => {
    const sink = await openSink({ createDatabase: false, database: 'does_not_exist' });
    await sink.write([{ measurement: 'm', tags: {}, fields: { v: 1 }, t: 1 }]);
    const [record] = await deadLetters(sink);
    expect(record.status).toBe(404);
    expect(record.message).toContain('database not found');
    expect(record.lines).toEqual(['m v=1 1']);
    expect(sink.retries).toBe(0);
  });

  it('rejects (retryable) instead of resolving when the dead-letter file cannot be written', async () => {
    const sink = await openSink({ createDatabase: false, database: 'does_not_exist', deadLetterFile: '/dev/null/dead.jsonl' });
    for (const point of [
      { measurement: 'm', tags: {}, fields: { v: 1 }, t: 1 },
      { measurement: 'm', tags: { k: 'a\nb' }, fields: { v: 1 }, t: 1 },
    ]) {
      const error = await sink.write([point]).catch((e: unknown) => e);
      expect(isRecurError(error, ErrorCodes.SINK_UNAVAILABLE)).toBe(true);
      expect((error as Error).message).toContain('/dev/null/dead.jsonl');
    }
    expect(sink.pointsDeadLettered).toBe(0);
  });

  it('batches by size at once and by time after flushIntervalMs', async () => {
    const sink = await openSink({ batchSize: 3, flushIntervalMs: 60_000 });
    const points = Array.from({ length: 7 }, (_, i): Point => ({ measurement: 'm', tags: {}, fields: { v: i }, t: i + 1 }));
    const written = sink.write(points);
    await waitFor('two full batches written', () => sink.pointsWritten === 6);
    expect(sink.queueDepth).toBe(1);
    await sink.flush();
    await written;
    expect(sink.pointsWritten).toBe(7);

    const timed = await openSink({ batchSize: 1000, flushIntervalMs: 50 });
    await timed.write([{ measurement: 'm', tags: {}, fields: { v: 1 }, t: 1 }]);
    expect(timed.pointsWritten).toBe(1);
  });

  it('keeps retrying while influxd is down and succeeds after it starts again', async () => {
    // Retries cannot run out here, whatever the machine's speed: only influxd coming back ends the wait.
    const sink = await openSink({ maxRetries: 10_000 });
    await sink.write([{ measurement: 'before', tags: {}, fields: { v: 1 }, t: 1 }]);
    await server.stop();
    let settled = false;
    const point: Point = { measurement: 'during', tags: { stream: 's' }, fields: { v: 2 }, t: 2 };
    const pending = sink.write([point]).then(
      () => 'written',
      (error: unknown) => error,
    );
    void pending.finally(() => {
      settled = true;
    });
    try {
      await waitFor('three retries while influxd is down', () => sink.retries >= 3);
      expect(settled).toBe(false);
      expect(sink.queueDepth).toBe(1);
    } finally {
      await server.start();
    }
    expect(await pending).toBe('written');
    expect(sink.batchesRetried).toBe(1);
    expect(sink.pointsDeadLettered).toBe(0);
    expect((await readAll(server, sink.config.database)).map((p) => p.measurement)).toEqual(['before', 'during']);
  });

  it('rejects with a retryable SINK_UNAVAILABLE once retries run out', async () => {
    const sink = new InfluxSink({
      url: 'http://127.0.0.1:9',
      database: 'x',
      maxRetries: 2,
      backoffBaseMs: 10,
      flushIntervalMs: 0,
      deadLetterFile: join(dir, 'never.jsonl'),
    });
    await sink.open();
    const error = await sink.write([{ measurement: 'm', tags: {}, fields: { v: 1 }, t: 1 }]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRecurError(error, ErrorCodes.SINK_UNAVAILABLE)).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect(sink.retries).toBe(2);
    await expect(readFile(join(dir, 'never.jsonl'))).rejects.toThrow();
  });
});
