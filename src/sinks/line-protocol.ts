import { ErrorCodes } from '../errors.js';
import type { Point } from '../point.js';
import { SinkError } from './types.js';

/**
 * InfluxDB 1.x line protocol, written to read back unchanged. What influxd 1.6 does, checked
 * against a real server by the property test in test/sinks/influx.test.ts:
 * - unescaping walks left to right turning `\,` `\ ` `\=` into the character and leaving any
 *   other backslash alone (there is no `\\`), so escaping the delimiters is enough; field keys
 *   also unescape `\"`, so there a quote is escaped too;
 * - influxd has two scanners: the tag parser takes a delimiter right after a backslash as
 *   escaped, while the line splitter and the field parser skip two bytes at each backslash. Both
 *   agree only when every run of backslashes before a delimiter is even in the text (odd once
 *   escaped) and no key or tag value ends in a backslash: anything else is refused. (Worst case
 *   seen: the splitter missed a newline and two points failed as one.) A measurement
 *   with a backslash is refused outright, see encodePoint;
 * - leading tabs and NULs of a line and of the field section are skipped, a leading `#` makes
 *   the line a comment: a measurement or first field key starting so is refused;
 * - string field values escape `\` and `"`;
 * - influxd reads `precision=us` as nanoseconds without complaint: the parameter must be `u`.
 */

export type Precision = 'ms' | 'us' | 'ns';

/** Measurement -> names of its fields that are written as integers (`5i`); other numbers are floats. */
export type IntegerSchema = Readonly<Record<string, readonly string[]>>;

export type FieldType = 'float' | 'integer' | 'string' | 'boolean';

/** The `precision` query parameter of /write for each precision. */
export const PRECISION_PARAM: Readonly<Record<Precision, string>> = { ms: 'ms', us: 'u', ns: 'n' };

const NS_PER: Readonly<Record<Precision, bigint>> = { ms: 1_000_000n, us: 1_000n, ns: 1n };

/** influxd's valid time range, in nanoseconds since the epoch. */
const MIN_NS = -9223372036854775806n;
const MAX_NS = 9223372036854775806n;
/** The largest whole millisecond inside that range (either sign), and what turns whole ms into each precision. */
const MAX_WHOLE_MS = 9_223_372_036_854;
const MS_SUFFIX: Readonly<Record<Precision, string>> = { ms: '', us: '000', ns: '000000' };

/**
 * Line breaks are refused everywhere: a newline ends a line, and a carriage return ends one for
 * CRLF-aware readers (Node's readline among them) of the file sink's output. Every other control
 * character (NUL, tab, ESC, DEL ...) was measured to go through influxd 1.6 and back intact, so
 * it is kept.
 */
const FORBIDDEN = /[\n\r]/;

function describe(point: Point): string {
  const stream = point.tags.stream;
  return `point '${point.measurement}'${stream === undefined ? '' : ` (stream '${stream}')`} at t=${point.t}`;
}

function textError(point: Point, what: string, text: string, expected: string): SinkError {
  return new SinkError(ErrorCodes.SINK_TEXT, `${describe(point)}: ${what} ${JSON.stringify(text)}: expected ${expected}`, { sink: 'line-protocol' });
}

function checkName(point: Point, what: string, text: string): void {
  if (text.length === 0) throw textError(point, what, text, 'a non-empty name');
  checkText(point, what, text);
  if (text.endsWith('\\')) throw textError(point, what, text, 'no backslash at the end (line protocol would read it as escaping the delimiter)');
}

/** Tag keys, tag values and field keys: a name whose backslashes cannot be misread. */
function checkKey(point: Point, what: string, text: string): void {
  checkName(point, what, text);
  const odd = ODD_BACKSLASHES.exec(text);
  if (odd) throw textError(point, what, text, `an even number of backslashes before ',', '=' or ' ' (odd run at index ${odd.index})`);
}

function checkText(point: Point, what: string, text: string): void {
  // A lone surrogate has no UTF-8 form: it would be stored as U+FFFD, silently changed.
  const lone = /\p{Surrogate}/u.exec(text);
  if (lone) throw textError(point, what, text, `well-formed unicode (lone surrogate at index ${lone.index})`);
  const bad = FORBIDDEN.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw textError(point, what, text, `no line break (found U+${code} at index ${bad.index})`);
  }
}

/** An odd run of backslashes right before a delimiter: no escaping reads back right in every scanner. */
const ODD_BACKSLASHES = /(?<!\\)(?:\\\\)*\\(?=[, =])/;

const escapeMeasurement = (text: string) => text.replace(/[, ]/g, '\\$&');
const escapeName = (text: string) => text.replace(/[, =]/g, '\\$&');
/** Field keys also unescape `\"`, so a quote is escaped there to keep `\"` in the text intact. */
const escapeFieldKey = (text: string) => text.replace(/[, ="]/g, '\\$&');
const escapeString = (text: string) => text.replace(/["\\]/g, '\\$&');

/** The shortest decimal that reads back as `t` (what the producer meant), never in exponent form. */
function decimal(t: number): string {
  const s = String(t);
  if (!s.includes('e')) return s;
  return t.toFixed(9).replace(/\.?0+$/, '');
}

function fractionDigits(t: number): number {
  // Whole milliseconds, the common case, without formatting the number.
  if (Number.isInteger(t)) return 0;
  const dot = decimal(t).indexOf('.');
  return dot < 0 ? 0 : decimal(t).length - dot - 1;
}

/**
 * The coarsest precision that carries every point's time exactly: ms when all are whole
 * milliseconds, us when all are whole microseconds, else ns (a millisecond double near the
 * present cannot resolve much finer than a quarter of a microsecond anyway).
 */
export function choosePrecision(points: readonly Pick<Point, 't'>[]): Precision {
  let digits = 0;
  for (const point of points) {
    if (Number.isFinite(point.t)) digits = Math.max(digits, fractionDigits(point.t));
    if (digits > 3) return 'ns';
  }
  return digits === 0 ? 'ms' : 'us';
}

/** `t` (ms since the epoch) in nanoseconds, rounded to the nearest. */
function nanoseconds(t: number): bigint {
  const [whole, fraction = '0'] = decimal(Math.abs(t)).split('.');
  const ns = BigInt(whole) * 1_000_000n + BigInt(Math.round(Number(`0.${fraction}`) * 1e6));
  return t < 0 ? -ns : ns;
}

/** The timestamp of a line in `precision` (rounded toward zero when `t` is finer than that). */
export function encodeTimestamp(point: Pick<Point, 't'> & Partial<Point>, precision: Precision): string {
  const t = point.t;
  // Whole milliseconds within range, the common case: digits appended, no BigInt arithmetic.
  if (Number.isSafeInteger(t) && Math.abs(t) <= MAX_WHOLE_MS) return t === 0 ? '0' : `${t}${MS_SUFFIX[precision]}`;
  const ns = Number.isFinite(t) ? nanoseconds(t) : undefined;
  if (ns === undefined || ns < MIN_NS || ns > MAX_NS) {
    throw new SinkError(ErrorCodes.SINK_REJECTED, `t=${t}: expected a finite time in milliseconds between 1677-09-21 and 2262-04-11 (InfluxDB's range)`, {
      sink: 'line-protocol',
    });
  }
  return (ns / NS_PER[precision]).toString();
}

/** How a field is written: integers only where the schema says so. */
export function fieldType(measurement: string, key: string, value: number | boolean | string, integers: IntegerSchema = {}): FieldType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  return integers[measurement]?.includes(key) ? 'integer' : 'float';
}

function encodeValue(point: Point, key: string, value: number | boolean | string, type: FieldType): string {
  switch (type) {
    case 'string':
      checkText(point, `string field '${key}'`, value as string);
      return `"${escapeString(value as string)}"`;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'integer':
      if (!Number.isSafeInteger(value)) {
        throw new SinkError(ErrorCodes.SINK_REJECTED, `${describe(point)}: integer field '${key}' is ${String(value)}; expected a safe integer`, {
          sink: 'line-protocol',
        });
      }
      return `${value}i`;
    case 'float':
      if (!Number.isFinite(value)) {
        throw new SinkError(ErrorCodes.SINK_REJECTED, `${describe(point)}: field '${key}' is ${String(value)}; expected a finite number`, {
          sink: 'line-protocol',
        });
      }
      return String(value);
  }
}

export interface EncodeOptions {
  /** Unit of the timestamp at the end of the line. */
  precision: Precision;
  /** Fields written as integers. @default {} (every number is a float) */
  integers?: IntegerSchema;
}

/**
 * One point as one line (no trailing newline). Tags are sorted by key (what influxd prefers);
 * a tag with an empty value is left out, as influxd would drop it. Throws a SinkError: SINK_TEXT
 * for text that cannot be written, SINK_REJECTED for a value InfluxDB cannot store.
 */
export function encodePoint(point: Point, options: EncodeOptions): string {
  checkName(point, 'measurement', point.measurement);
  // influxd skips a line's leading tabs and NULs, and a line starting with '#' is a comment.
  if (/^[\t\0#]/.test(point.measurement)) throw textError(point, 'measurement', point.measurement, 'no tab, NUL or # at the start');
  // influxd 1.6 keeps a measurement's backslashes differently in its index and its series keys:
  // `\=` and `\,` were measured to be stored yet missed by SELECT ... FROM /.*/. Measurements are
  // names from configuration, not data, so a backslash is simply refused.
  if (point.measurement.includes('\\')) throw textError(point, 'measurement', point.measurement, 'no backslash');
  let line = escapeMeasurement(point.measurement);
  for (const key of Object.keys(point.tags).sort()) {
    const value = point.tags[key];
    checkKey(point, 'tag key', key);
    if (value === '') continue;
    checkKey(point, `tag '${key}' value`, value);
    line += `,${escapeName(key)}=${escapeName(value)}`;
  }
  let separator = ' ';
  for (const [key, value] of Object.entries(point.fields)) {
    checkKey(point, 'field key', key);
    // influxd skips tabs and NULs between the tags and the first field key, as at the start of a line.
    if (separator === ' ' && /^[\t\0]/.test(key)) throw textError(point, 'first field key', key, 'no tab or NUL at the start');
    line += `${separator}${escapeFieldKey(key)}=${encodeValue(point, key, value, fieldType(point.measurement, key, value, options.integers))}`;
    separator = ',';
  }
  if (separator === ' ') {
    throw new SinkError(ErrorCodes.SINK_REJECTED, `${describe(point)}: expected at least one field, received none`, { sink: 'line-protocol' });
  }
  return `${line} ${encodeTimestamp(point, options.precision)}`;
}
