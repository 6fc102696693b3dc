/**
 * The syntax of one InfluxDB line protocol line, as Telegraf and InfluxDB 2 write it:
 *
 *   measurement[,tag=value...] field=value[,field=value...] [timestamp]
 *
 * Escaping: in the measurement `\,` `\ `; in tag keys, tag values and field keys `\,` `\=` `\ `;
 * everywhere `\\` is one backslash, and a backslash before any other character is literal.
 * String field values are double-quoted with `\"` and `\\` escaped.
 */

export type FieldValue = number | boolean | string;

export interface Line {
  readonly measurement: string;
  readonly tags: ReadonlyArray<readonly [string, string]>;
  readonly fields: ReadonlyMap<string, FieldValue>;
  /** The timestamp digits as written, in the writer's precision. */
  readonly timestamp?: string;
}

/** A syntax error, or a number-shaped value that is not finite (`NaN`, `inf`). */
export interface SyntaxFault {
  readonly fault: 'syntax' | 'non-finite';
  readonly message: string;
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+i$/;
const UNSIGNED = /^\d+u$/;
const TIMESTAMP = /^-?\d+$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;
const TRUE = new Set(['t', 'T', 'true', 'True', 'TRUE']);
const FALSE = new Set(['f', 'F', 'false', 'False', 'FALSE']);

class Cursor {
  i = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.i >= this.text.length;
  }

  peek(): string {
    return this.text[this.i];
  }

  /** Reads up to an unescaped stop character, unescaping `\` + one of `escapable`. */
  token(stops: string, escapable: string): string {
    let out = '';
    while (this.i < this.text.length) {
      const c = this.text[this.i];
      if (c === '\\' && this.i + 1 < this.text.length && (escapable.includes(this.text[this.i + 1]) || this.text[this.i + 1] === '\\')) {
        out += this.text[this.i + 1];
        this.i += 2;
        continue;
      }
      if (stops.includes(c)) break;
      out += c;
      this.i++;
    }
    return out;
  }

  skipSpaces(): number {
    const start = this.i;
    while (this.text[this.i] === ' ') this.i++;
    return this.i - start;
  }
}

function fault(message: string, fault: SyntaxFault['fault'] = 'syntax'): SyntaxFault {
  return { fault, message };
}

function stringValue(cursor: Cursor): string | SyntaxFault {
  cursor.i++; // opening quote
  let out = '';
  while (!cursor.done) {
    const c = cursor.peek();
    if (c === '\\' && (cursor.text[cursor.i + 1] === '"' || cursor.text[cursor.i + 1] === '\\')) {
      out += cursor.text[cursor.i + 1];
      cursor.i += 2;
    } else if (c === '"') {
      cursor.i++;
      return out;
    } else {
      out += c;
      cursor.i++;
    }
  }
  return fault('expected a closing quote of a string field, received end of line');
}

function scalarValue(text: string, key: string): FieldValue | SyntaxFault {
  if (FLOAT.test(text)) return Number(text);
  if (INTEGER.test(text)) return Number(text.slice(0, -1));
  if (UNSIGNED.test(text)) return Number(text.slice(0, -1));
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  if (NON_FINITE.test(text)) return fault(`field '${key}': expected a finite number, received ${JSON.stringify(text)}`, 'non-finite');
  return fault(`field '${key}': expected a float, integer (1i), unsigned (1u), boolean or "string", received ${JSON.stringify(text)}`);
}

function tagSet(cursor: Cursor, tags: [string, string][]): SyntaxFault | undefined {
  while (cursor.peek() === ',') {
    cursor.i++;
    const key = cursor.token('=, ', ',= ');
    if (cursor.peek() !== '=' || key === '') return fault(`expected tag key=value after ',' at column ${cursor.i + 1}`);
    cursor.i++;
    const value = cursor.token(', ', ',= ');
    if (value === '') return fault(`tag '${key}': expected a non-empty value at column ${cursor.i + 1}`);
    tags.push([key, value]);
  }
  return undefined;
}

function fieldSet(cursor: Cursor, fields: Map<string, FieldValue>): SyntaxFault | undefined {
  for (;;) {
    const key = cursor.token('=, ', ',= ');
    if (cursor.peek() !== '=' || key === '') return fault(`expected field key=value at column ${cursor.i + 1}`);
    cursor.i++;
    let value: FieldValue | SyntaxFault;
    if (cursor.peek() === '"') {
      value = stringValue(cursor);
    } else {
      const start = cursor.i;
      while (!cursor.done && cursor.peek() !== ',' && cursor.peek() !== ' ') cursor.i++;
      value = scalarValue(cursor.text.slice(start, cursor.i), key);
    }
    if (typeof value === 'object') return value;
    fields.set(key, value);
    if (cursor.peek() !== ',') return undefined;
    cursor.i++;
  }
}

/** Parses one line (without its newline); the caller skips blank lines and `#` comments. */
export function parseLine(text: string): Line | SyntaxFault {
  const cursor = new Cursor(text);
  const measurement = cursor.token(', ', ', ');
  if (measurement === '') return fault('expected a measurement name at the start of the line');
  const tags: [string, string][] = [];
  const tagFault = tagSet(cursor, tags);
  if (tagFault) return tagFault;
  if (cursor.skipSpaces() === 0)
    return fault(`expected a space and a field set after the measurement and tags, received ${cursor.done ? 'end of line' : JSON.stringify(cursor.peek())}`);
  const fields = new Map<string, FieldValue>();
  const fieldFault = fieldSet(cursor, fields);
  if (fieldFault) return fieldFault;
  if (cursor.skipSpaces() === 0 && !cursor.done) return fault(`expected a space before the timestamp at column ${cursor.i + 1}`);
  const rest = text.slice(cursor.i).trimEnd();
  if (rest === '') return { measurement, tags, fields };
  if (!TIMESTAMP.test(rest)) return fault(`expected an integer timestamp, received ${JSON.stringify(rest)}`);
  return { measurement, tags, fields, timestamp: rest };
}

/** Escapes a measurement, tag key/value or field key so `parseLine` reads it back unchanged. */
export function escapeName(text: string, kind: 'measurement' | 'key'): string {
  return text.replace(kind === 'measurement' ? /[\\, ]/g : /[\\,= ]/g, (c) => `\\${c}`);
}
