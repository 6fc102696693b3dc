import type { RecurError } from '../../errors.js';
import type { Frame } from '../../frame.js';
import type { DeviceDescription, ParseContext } from '../types.js';
import { escapeName, type Line, parseLine } from './line-protocol-syntax.js';
import { checkNumber } from './numbers.js';
import { type Parsed, parseError, tooLarge } from './result.js';

const PRECISION_DIVISOR = { ns: 1_000_000n, us: 1_000n, ms: 1n } as const;

/** Timestamp digits in the writer's precision to ms; ns values pass 2^53, so split them with BigInt. */
export function lineTimestampMs(digits: string, precision: 'ns' | 'us' | 'ms' | 's'): number {
  const value = BigInt(digits);
  if (precision === 's') return Number(value) * 1000;
  const divisor = PRECISION_DIVISOR[precision];
  return Number(value / divisor) + Number(value % divisor) / Number(divisor);
}

/** `measurement,tag=value,...` in line-protocol escaping, so two different series never share an id. */
function seriesId(line: Line, only?: readonly string[]): string {
  const tags = only ? line.tags.filter(([key]) => only.includes(key)) : [...line.tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [escapeName(line.measurement, 'measurement'), ...tags.map(([k, v]) => `${escapeName(k, 'key')}=${escapeName(v, 'key')}`)].join(',');
}

function streamOf(line: Line, device: DeviceDescription, context: ParseContext): string {
  const from = device.streamFrom ?? { kind: 'series' };
  switch (from.kind) {
    case 'fixed':
      return from.name;
    case 'topic':
      return context.stream ?? seriesId(line);
    case 'series':
      return seriesId(line, from.tags);
    case 'field': {
      const tag = line.tags.find(([key]) => key === from.field)?.[1];
      const field = line.fields.get(from.field);
      return tag ?? (field === undefined ? seriesId(line) : String(field));
    }
  }
}

function frameOf(text: string, device: DeviceDescription, context: ParseContext, lineNo: number): Frame | RecurError {
  const line = parseLine(text);
  if ('fault' in line) {
    const code = line.fault === 'non-finite' ? 'RECUR_E_NON_FINITE' : 'RECUR_E_PARSE_LINE_PROTOCOL';
    return parseError(code, `line ${lineNo}: ${line.message}`, context.stream, { line: lineNo });
  }
  const stream = streamOf(line, device, context);
  const missing = device.fields.filter((field) => !line.fields.has(field));
  if (missing.length > 0) {
    return parseError('RECUR_E_FIELD_COUNT', `line ${lineNo}: expected fields ${device.fields.join(', ')}; missing ${missing.join(', ')}`, stream, {
      line: lineNo,
      missing,
    });
  }
  const values = new Float32Array(device.fields.length);
  for (let i = 0; i < device.fields.length; i++) {
    const name = device.fields[i];
    const raw = line.fields.get(name);
    if (typeof raw === 'string') {
      return parseError('RECUR_E_NOT_A_NUMBER', `line ${lineNo}: field '${name}': expected a number or boolean, received a string`, stream, { line: lineNo });
    }
    // Booleans are 1 and 0: a door contact or a pump state is an input like any other.
    const value = checkNumber(typeof raw === 'boolean' ? Number(raw) : (raw as number), name, stream);
    if (typeof value !== 'number') return value;
    values[i] = value;
  }
  const t = line.timestamp === undefined ? context.now : lineTimestampMs(line.timestamp, device.precision ?? 'ns');
  return { stream, t, values };
}

/**
 * Parses InfluxDB line protocol (one or more lines; blank lines and `#` comments skipped): the
 * stream id is the series (measurement and tags) unless the device says otherwise, the values
 * are the device's fields by name (others ignored), the timestamp is read in `precision`.
 */
export function parseLineProtocol(payload: Buffer | string, device: DeviceDescription, context: ParseContext): Parsed {
  const oversize = tooLarge(payload, device, context.stream);
  if (oversize) return oversize;
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  const frames: Frame[] = [];
  const errors: RecurError[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === '' || line.startsWith('#')) continue;
    const result = frameOf(line, device, context, i + 1);
    if ('values' in result) frames.push(result);
    else errors.push(result);
  }
  return { frames, errors };
}
