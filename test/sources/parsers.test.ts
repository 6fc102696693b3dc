import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/sources/parsers/csv.js';
import { parseJson } from '../../src/sources/parsers/json.js';
import { parseLineProtocol } from '../../src/sources/parsers/line-protocol.js';
import { parseLine } from '../../src/sources/parsers/line-protocol-syntax.js';
import { parsePcm16, SampleClock } from '../../src/sources/parsers/pcm.js';
import type { DeviceDescription } from '../../src/sources/types.js';

const NOW = 1_700_000_000_000;
const json: DeviceDescription = { format: 'json', fields: ['temp', 'hum'], timestampField: 'ts', streamFrom: { kind: 'field', field: 'id' } };
const csv: DeviceDescription = {
  format: 'csv',
  columns: ['ts', 'id', 'temp', 'hum'],
  fields: ['temp', 'hum'],
  timestampField: 'ts',
  streamFrom: { kind: 'field', field: 'id' },
};

const codes = (parsed: { errors: { code: string }[] }) => parsed.errors.map((error) => error.code);

describe('parseJson', () => {
  it('maps keys to values in the device order, with the timestamp and stream id from the payload', () => {
    const parsed = parseJson('{"hum": 40, "id": "s1", "ts": "2024-01-02T03:04:05.5Z", "temp": 21.5, "other": "x"}', json, { now: NOW });
    expect(parsed.errors).toEqual([]);
    expect(parsed.frames).toEqual([{ stream: 's1', t: Date.UTC(2024, 0, 2, 3, 4, 5, 500), values: new Float32Array([21.5, 40]) }]);
  });

  it('reads dotted paths, epoch seconds, arrays of records and arrays of values', () => {
    const nested: DeviceDescription = { format: 'json', fields: ['a.b', 'c'], timestampField: 't', timestampUnit: 's' };
    expect(parseJson('{"a": {"b": 1}, "c": 2, "t": 10}', nested, { now: NOW, stream: 'x' }).frames).toEqual([
      { stream: 'x', t: 10_000, values: new Float32Array([1, 2]) },
    ]);
    expect(
      parseJson('[{"id": "a", "temp": 1, "hum": 2, "ts": 1}, {"id": "b", "temp": 3, "hum": 4, "ts": 2}]', json, { now: NOW }).frames.map((f) => f.stream),
    ).toEqual(['a', 'b']);
    const positional: DeviceDescription = { format: 'json', fields: ['x', 'y'] };
    expect(parseJson('[1, 2]', positional, { now: NOW, stream: 'p' }).frames).toEqual([{ stream: 'p', t: NOW, values: new Float32Array([1, 2]) }]);
  });

  it.each([
    ['{"temp": 1, ', 'RECUR_E_PARSE_JSON'],
    ['42', 'RECUR_E_PARSE_JSON'],
    ['{"id": "s", "ts": 1, "temp": 1}', 'RECUR_E_FIELD_COUNT'],
    ['{"id": "s", "ts": 1, "temp": "warm", "hum": 1}', 'RECUR_E_NOT_A_NUMBER'],
    ['{"id": "s", "ts": 1, "temp": null, "hum": 1}', 'RECUR_E_NOT_A_NUMBER'],
    ['{"id": "s", "ts": 1, "temp": "NaN", "hum": 1}', 'RECUR_E_NON_FINITE'],
    ['{"id": "s", "ts": 1, "temp": 1e999, "hum": 1}', 'RECUR_E_NON_FINITE'],
    ['{"id": "s", "ts": 1, "temp": 1e39, "hum": 1}', 'RECUR_E_NON_FINITE'],
    ['{"id": "s", "ts": "yesterday", "temp": 1, "hum": 1}', 'RECUR_E_NOT_A_NUMBER'],
    ['{"ts": 1, "temp": 1, "hum": 1}', 'RECUR_E_FIELD_COUNT'],
  ])('rejects %s with %s', (payload, code) => {
    const parsed = parseJson(payload, json, { now: NOW });
    expect(parsed.frames).toEqual([]);
    expect(codes(parsed)).toEqual([code]);
    expect(parsed.errors[0].message).toMatch(/expected/);
  });

  it('rejects an oversize payload before parsing it', () => {
    const parsed = parseJson(Buffer.alloc(100, 0x20), { ...json, maxBytes: 99 }, { now: NOW });
    expect(codes(parsed)).toEqual(['RECUR_E_PAYLOAD_TOO_LARGE']);
    expect(parsed.errors[0].message).toContain('at most 99 bytes, received 100');
  });
});

describe('parseCsv', () => {
  it('reads quoted cells and several lines, skipping blank ones', () => {
    const parsed = parseCsv('1700000000,"s ""1""",1.5,2\r\n\n1700000001,s2,-3e2,.5\n', csv, { now: NOW });
    expect(parsed.errors).toEqual([]);
    expect(parsed.frames).toEqual([
      { stream: 's "1"', t: 1_700_000_000_000, values: new Float32Array([1.5, 2]) },
      { stream: 's2', t: 1_700_000_001_000, values: new Float32Array([-300, 0.5]) },
    ]);
  });

  it.each([
    ['1,s,1', 'RECUR_E_FIELD_COUNT'],
    ['1,s,1,2,3', 'RECUR_E_FIELD_COUNT'],
    ['1,"s,1,2', 'RECUR_E_PARSE_CSV'],
    ['1,s"x,1,2', 'RECUR_E_PARSE_CSV'],
    ['1,s,warm,2', 'RECUR_E_NOT_A_NUMBER'],
    ['1,s,,2', 'RECUR_E_NOT_A_NUMBER'],
    ['1,s,0x10,2', 'RECUR_E_NOT_A_NUMBER'],
    ['1,s,NaN,2', 'RECUR_E_NON_FINITE'],
    ['1,s,-Infinity,2', 'RECUR_E_NON_FINITE'],
  ])('rejects %s with %s', (line, code) => {
    const parsed = parseCsv(line, csv, { now: NOW });
    expect(parsed.frames).toEqual([]);
    expect(codes(parsed)).toEqual([code]);
  });

  it('keeps the good lines of a payload with a bad one', () => {
    const parsed = parseCsv('1,a,1,2\n2,b,x,2\n3,c,3,4', csv, { now: NOW });
    expect(parsed.frames.map((f) => f.stream)).toEqual(['a', 'c']);
    expect(codes(parsed)).toEqual(['RECUR_E_NOT_A_NUMBER']);
    expect(parsed.errors[0].details.stream).toBe('b');
  });
});

describe('parseLineProtocol', () => {
  const device: DeviceDescription = { format: 'line-protocol', fields: ['usage_idle', 'ok', 'n'] };

  it('reads what Telegraf writes: series id, fields by name, ns timestamps', () => {
    const parsed = parseLineProtocol('cpu,host=a,cpu=cpu0 n=3i,usage_idle=98.5,ok=true,note="x, y" 1700000000123456789\n# comment\n', device, { now: NOW });
    expect(parsed.errors).toEqual([]);
    expect(parsed.frames).toHaveLength(1);
    expect(parsed.frames[0].stream).toBe('cpu,cpu=cpu0,host=a');
    expect(parsed.frames[0].t - 1_700_000_000_123).toBeCloseTo(0.456789, 3);
    expect(parsed.frames[0].values).toEqual(new Float32Array([98.5, 1, 3]));
  });

  it('uses the precision and the arrival time when the line has no timestamp', () => {
    expect(parseLineProtocol('m n=1,ok=f,usage_idle=0 1700000000', device.fields && { ...device, precision: 's' }, { now: NOW }).frames[0].t).toBe(
      1_700_000_000_000,
    );
    expect(parseLineProtocol('m n=1,ok=F,usage_idle=0', device, { now: NOW }).frames[0].t).toBe(NOW);
  });

  it.each([
    ['cpu usage_idle=1,ok=t', 'RECUR_E_FIELD_COUNT'],
    ['cpu usage_idle="high",ok=t,n=1', 'RECUR_E_NOT_A_NUMBER'],
    ['cpu usage_idle=NaN,ok=t,n=1', 'RECUR_E_NON_FINITE'],
    ['cpu usage_idle=abc,ok=t,n=1', 'RECUR_E_PARSE_LINE_PROTOCOL'],
    ['cpu', 'RECUR_E_PARSE_LINE_PROTOCOL'],
    ['cpu,host usage_idle=1', 'RECUR_E_PARSE_LINE_PROTOCOL'],
    ['cpu usage_idle=1,ok=t,n=1 12:00', 'RECUR_E_PARSE_LINE_PROTOCOL'],
    ['cpu note="open', 'RECUR_E_PARSE_LINE_PROTOCOL'],
    [',host=a x=1', 'RECUR_E_PARSE_LINE_PROTOCOL'],
  ])('rejects %s with %s', (line, code) => {
    const parsed = parseLineProtocol(line, device, { now: NOW });
    expect(parsed.frames).toEqual([]);
    expect(codes(parsed)).toEqual([code]);
  });

  // An encoder written from the InfluxDB documentation, independent of the parser's escaper.
  const escapeMeasurement = (s: string) => s.replaceAll('\\', '\\\\').replaceAll(',', '\\,').replaceAll(' ', '\\ ');
  const escapeKey = (s: string) => escapeMeasurement(s).replaceAll('=', '\\=');
  const escapeString = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  // Text with the characters that matter most: separators, escapes, quotes, unicode; no newline (line protocol has none).
  const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', ',', '=', '\\', '"', '#', 'é', '😀', '\t', '_'), minLength: 1, maxLength: 12 });
  const field = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer().map((n) => ({ int: n })),
    fc.boolean(),
    text.map((s) => ({ str: s })),
  );

  it('reads back any measurement, tags, fields and values escaped by the documented rules', () => {
    fc.assert(
      fc.property(
        text.filter((s) => !s.startsWith('#')),
        fc.uniqueArray(fc.tuple(text, text), { selector: ([k]) => k, maxLength: 4 }),
        fc.uniqueArray(fc.tuple(text, field), { selector: ([k]) => k, minLength: 1, maxLength: 4 }),
        fc.option(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), { nil: undefined }),
        (measurement, tags, fields, timestamp) => {
          const encoded = [
            [escapeMeasurement(measurement), ...tags.map(([k, v]) => `${escapeKey(k)}=${escapeKey(v)}`)].join(','),
            fields
              .map(([k, v]) => {
                const value = typeof v === 'number' ? String(v) : typeof v === 'boolean' ? String(v) : 'int' in v ? `${v.int}i` : escapeString(v.str);
                return `${escapeKey(k)}=${value}`;
              })
              .join(','),
            ...(timestamp === undefined ? [] : [String(timestamp)]),
          ].join(' ');
          const line = parseLine(encoded);
          if ('fault' in line) throw new Error(`${line.message} in ${encoded}`);
          expect(line.measurement).toBe(measurement);
          expect(line.tags).toEqual(tags);
          // String(-0) is '0': compare numbers as written.
          expect([...line.fields]).toEqual(
            fields.map(([k, v]) => [k, typeof v === 'object' ? ('int' in v ? v.int : v.str) : typeof v === 'number' ? Number(String(v)) : v]),
          );
          expect(line.timestamp).toBe(timestamp === undefined ? undefined : String(timestamp));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parsePcm16', () => {
  const device: DeviceDescription = { format: 'pcm16le', fields: [], channels: 2, sampleRate: 8000 };

  it('downmixes to mono float32 in [-1, 1) and runs a sample clock', () => {
    const chunk = Buffer.alloc(8);
    chunk.writeInt16LE(-32768, 0);
    chunk.writeInt16LE(-32768, 2);
    chunk.writeInt16LE(32767, 4);
    chunk.writeInt16LE(-32767, 6);
    const clock = new SampleClock(8000);
    const first = parsePcm16(chunk, device, { now: 1000, stream: 'm' }, clock);
    expect(first.frames[0].values).toEqual(new Float32Array([-1, 0]));
    const second = parsePcm16(chunk, device, { now: 1003.7, stream: 'm' }, clock);
    expect([first.frames[0].t, second.frames[0].t]).toEqual([1000, 1000.25]);
  });

  it('rejects a chunk that is not whole sample frames', () => {
    expect(codes(parsePcm16(Buffer.alloc(6), device, { now: 0 }))).toEqual(['RECUR_E_WAV_CORRUPT']);
  });
});
