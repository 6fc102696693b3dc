import { describe, expect, it } from 'vitest';
import { ErrorCodes, isRecurError } from '../../src/errors.js';
import type { Point } from '../../src/point.js';
import { choosePrecision, encodePoint, encodeTimestamp } from '../../src/sinks/line-protocol.js';
import { thrown } from '../helpers/thrown.js';

const point = (over: Partial<Point> = {}): Point => ({ measurement: 'm', tags: {}, fields: { v: 1 }, t: 1_700_000_000_000, ...over });

describe('encodePoint', () => {
  it('escapes each part the way influxd reads it', () => {
    const line = encodePoint(
      point({ measurement: 'a b,c=d', tags: { 'k y,=': 'v a,l=ue', z: 'q"\\x' }, fields: { 'f i,="': 'say "hi" \\o/', n: 1.5, b: true } }),
      { precision: 'ms' },
    );
    expect(line).toBe(String.raw`a\ b\,c=d,k\ y\,\==v\ a\,l\=ue,z=q"\x f\ i\,\=\"="say \"hi\" \\o/",n=1.5,b=true 1700000000000`);
  });

  it('sorts tags, drops empty tag values and keeps unicode', () => {
    expect(encodePoint(point({ tags: { b: '☃', a: 'é𝄞', c: '' } }), { precision: 'ms' })).toBe('m,a=é𝄞,b=☃ v=1 1700000000000');
  });

  it('writes integers only where the schema says so', () => {
    const p = point({ fields: { count: 3, ratio: 3 } });
    expect(encodePoint(p, { precision: 'ms', integers: { m: ['count'] } })).toBe('m count=3i,ratio=3 1700000000000');
    const error = thrown(() => encodePoint(point({ fields: { count: 1.5 } }), { precision: 'ms', integers: { m: ['count'] } }));
    expect(isRecurError(error, ErrorCodes.SINK_REJECTED)).toBe(true);
  });

  it.each([
    ['measurement', point({ measurement: 'a\nb' }), 'measurement'],
    ['tag key', point({ tags: { 'k\n': 'v' } }), 'tag key'],
    ['tag value', point({ tags: { stream: 's1', k: 'v\r\n' } }), "tag 'k' value"],
    ['field key', point({ fields: { 'f\n': 1 } }), 'field key'],
    ['string value', point({ fields: { text: 'line1\nline2' } }), "string field 'text'"],
  ])('refuses a line break in a %s with SINK_TEXT naming the point and key', (_, p, key) => {
    const error = thrown(() => encodePoint(p, { precision: 'ms' }));
    expect(isRecurError(error, ErrorCodes.SINK_TEXT)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(`point '${p.measurement}'`);
    expect(message).toContain(key);
    expect(message).toContain('U+000');
  });

  it('refuses text that line protocol cannot carry: a trailing backslash, an odd backslash run in a field key, an empty name, a leading # or tab, a lone surrogate', () => {
    for (const p of [
      point({ tags: { k: 'v\\' } }),
      point({ fields: { 'f\\': 1 } }),
      point({ measurement: '' }),
      point({ measurement: '#m' }),
      point({ tags: { '': 'v' } }),
      point({ fields: { 'a\\,b': 1 } }),
      point({ fields: { '\tf': 1 } }),
      point({ tags: { k: 'a\uD800' } }),
      point({ measurement: 'a\\=b' }),
    ]) {
      expect(
        isRecurError(
          thrown(() => encodePoint(p, { precision: 'ms' })),
          ErrorCodes.SINK_TEXT,
        ),
      ).toBe(true);
    }
  });

  it('refuses values InfluxDB cannot store with SINK_REJECTED', () => {
    for (const p of [
      point({ fields: {} }),
      point({ fields: { v: Number.NaN } }),
      point({ fields: { v: Number.POSITIVE_INFINITY } }),
      point({ t: Number.NaN }),
      point({ t: 1e17 }),
    ]) {
      expect(
        isRecurError(
          thrown(() => encodePoint(p, { precision: 'ms' })),
          ErrorCodes.SINK_REJECTED,
        ),
      ).toBe(true);
    }
  });
});

describe('timestamps', () => {
  it('chooses the coarsest precision that keeps every point exact', () => {
    expect(choosePrecision([{ t: 1 }, { t: 1_700_000_000_000 }])).toBe('ms');
    expect(choosePrecision([{ t: 1 }, { t: 1_700_000_000_000.5 }])).toBe('us');
    expect(choosePrecision([{ t: 1_700_000_000_000.001 }])).toBe('us');
    expect(choosePrecision([{ t: 0.0000015 }])).toBe('ns');
    expect(choosePrecision([])).toBe('ms');
  });

  it('encodes without float error, also before 1970', () => {
    expect(encodeTimestamp({ t: 1_700_000_000_000.001 }, 'us')).toBe('1700000000000001');
    expect(encodeTimestamp({ t: 1_700_000_000_123.25 }, 'ns')).toBe('1700000000123250000');
    expect(encodeTimestamp({ t: 0.000001 }, 'ns')).toBe('1');
    expect(encodeTimestamp({ t: -1.5 }, 'us')).toBe('-1500');
    expect(encodeTimestamp({ t: 1_700_000_000_000 }, 'ns')).toBe('1700000000000000000');
  });
});
