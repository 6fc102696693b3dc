import { RecurError } from '../../errors.js';
import type { Frame } from '../../frame.js';
import type { DeviceDescription, ParseContext } from '../types.js';
import { splitCsvLine } from './csv-line.js';
import { numberFromText } from './numbers.js';
import { type Parsed, parseError, tooLarge } from './result.js';
import { streamOf } from './stream-id.js';
import { parseTimestamp } from './timestamp.js';

/** Parses one CSV record (a line without its newline) into a frame. */
export function csvRecord(line: string, device: DeviceDescription, context: ParseContext): Frame | RecurError {
  const columns = device.columns ?? device.fields;
  const cells = splitCsvLine(line, device.delimiter ?? ',');
  if (cells instanceof RecurError) return cells;
  const cell = (name: string) => {
    const index = columns.indexOf(name);
    return index < 0 ? undefined : cells[index];
  };
  if (cells.length !== columns.length) {
    const stream = streamOf(cell, device, context);
    return parseError(
      'RECUR_E_FIELD_COUNT',
      `expected ${columns.length} cells (${columns.join(', ')}), received ${cells.length}`,
      stream instanceof RecurError ? context.stream : stream,
    );
  }
  const stream = streamOf(cell, device, context);
  if (stream instanceof RecurError) return stream;
  const values = new Float32Array(device.fields.length);
  for (let i = 0; i < device.fields.length; i++) {
    const raw = cell(device.fields[i]);
    if (raw === undefined) return parseError('RECUR_E_FIELD_COUNT', `expected a column '${device.fields[i]}', the columns are ${columns.join(', ')}`, stream);
    const value = numberFromText(raw, device.fields[i], stream);
    if (value instanceof RecurError) return value;
    values[i] = value;
  }
  let t = context.now;
  if (device.timestampField !== undefined) {
    const parsed = parseTimestamp(cell(device.timestampField) ?? null, device.timestampUnit ?? 'auto', device.timestampField, stream);
    if (parsed instanceof RecurError) return parsed;
    t = parsed;
  }
  return { stream, t, values };
}

/** Parses a CSV payload of one or more header-less lines (columns from the device); empty lines are skipped. */
export function parseCsv(payload: Buffer | string, device: DeviceDescription, context: ParseContext): Parsed {
  const oversize = tooLarge(payload, device, context.stream);
  if (oversize) return oversize;
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  const frames: Frame[] = [];
  const errors: RecurError[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const result = csvRecord(line, device, context);
    if (result instanceof RecurError) errors.push(result);
    else frames.push(result);
  }
  return { frames, errors };
}
