import { RecurError } from '../../errors.js';
import type { Frame } from '../../frame.js';
import type { DeviceDescription, ParseContext } from '../types.js';
import { numberFromJson } from './numbers.js';
import { failed, type Parsed, parseError, tooLarge } from './result.js';
import { streamOf } from './stream-id.js';
import { parseTimestamp } from './timestamp.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Record_ = { [key: string]: Json };

function isRecord(value: Json): value is Record_ {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A key as written, else a dotted path into nested objects (`sensor.temp`). */
function lookup(record: Record_, key: string): Json | undefined {
  if (Object.hasOwn(record, key)) return record[key];
  let node: Json | undefined = record;
  for (const part of key.split('.')) {
    if (node === undefined || !isRecord(node) || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}

function frameOf(record: Record_, device: DeviceDescription, context: ParseContext): Frame | RecurError {
  const stream = streamOf((key) => lookup(record, key), device, context);
  if (stream instanceof RecurError) return stream;
  const missing = device.fields.filter((field) => lookup(record, field) === undefined);
  if (missing.length > 0) {
    return parseError('RECUR_E_FIELD_COUNT', `expected fields ${device.fields.join(', ')}; missing ${missing.join(', ')}`, stream, { missing });
  }
  const values = new Float32Array(device.fields.length);
  for (let i = 0; i < device.fields.length; i++) {
    const value = numberFromJson(lookup(record, device.fields[i]), device.fields[i], stream);
    if (value instanceof RecurError) return value;
    values[i] = value;
  }
  let t = context.now;
  if (device.timestampField !== undefined) {
    const raw = lookup(record, device.timestampField);
    if (raw === undefined) {
      return parseError('RECUR_E_FIELD_COUNT', `expected a timestamp in field '${device.timestampField}', received none`, stream);
    }
    const parsed = parseTimestamp(raw, device.timestampUnit ?? 'auto', device.timestampField, stream);
    if (parsed instanceof RecurError) return parsed;
    t = parsed;
  }
  return { stream, t, values };
}

/** Values by position: `[1.5, 2, 3]` for a device with three fields. */
function frameOfArray(array: Json[], device: DeviceDescription, context: ParseContext): Frame | RecurError {
  const stream = streamOf(() => undefined, device, context);
  if (stream instanceof RecurError) return stream;
  if (array.length !== device.fields.length) {
    return parseError('RECUR_E_FIELD_COUNT', `expected ${device.fields.length} values (${device.fields.join(', ')}), received ${array.length}`, stream);
  }
  const values = new Float32Array(array.length);
  for (let i = 0; i < array.length; i++) {
    const value = numberFromJson(array[i], device.fields[i], stream);
    if (value instanceof RecurError) return value;
    values[i] = value;
  }
  return { stream, t: context.now, values };
}

/**
 * Parses a JSON payload: an object (one frame), an array of objects (one frame each) or an
 * array of numbers (one frame, values by position). Keys other than the fields, the stream key
 * and the timestamp are ignored; a missing field is FIELD_COUNT, text or null in a field is
 * NOT_A_NUMBER, a number beyond float32 is NON_FINITE.
 */
export function parseJson(payload: Buffer | string, device: DeviceDescription, context: ParseContext): Parsed {
  const oversize = tooLarge(payload, device, context.stream);
  if (oversize) return oversize;
  let root: Json;
  try {
    root = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (error) {
    return failed('RECUR_E_PARSE_JSON', `expected JSON, received text that fails to parse (${(error as Error).message})`, context.stream);
  }
  const results: (Frame | RecurError)[] = [];
  if (isRecord(root)) {
    results.push(frameOf(root, device, context));
  } else if (Array.isArray(root) && root.length > 0 && root.every(isRecord)) {
    for (const record of root) results.push(frameOf(record as Record_, device, context));
  } else if (Array.isArray(root)) {
    results.push(frameOfArray(root, device, context));
  } else {
    return failed('RECUR_E_PARSE_JSON', `expected a JSON object or array, received ${root === null ? 'null' : typeof root}`, context.stream);
  }
  const frames: Frame[] = [];
  const errors: RecurError[] = [];
  for (const result of results) {
    if (result instanceof RecurError) errors.push(result);
    else frames.push(result);
  }
  return { frames, errors };
}
