import type { RecurError } from '../../errors.js';
import { parseError, quote } from './result.js';

const NON_FINITE_TEXT = /^[+-]?(nan|inf|infinity)$/i;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Checks one value on its way into a Float32Array. A double that is finite can still overflow
 * float32 (1e39), which would reach the model as Infinity: that is NON_FINITE too.
 */
export function checkNumber(value: number, name: string, stream?: string): number | RecurError {
  if (!Number.isFinite(value) || !Number.isFinite(Math.fround(value))) {
    return parseError('RECUR_E_NON_FINITE', `field '${name}': expected a finite float32, received ${value}`, stream, { field: name });
  }
  return value;
}

/** A JSON value where a number belongs: numbers only, no numeric strings, no null. */
export function numberFromJson(raw: unknown, name: string, stream?: string): number | RecurError {
  if (typeof raw === 'number') return checkNumber(raw, name, stream);
  if (typeof raw === 'string' && NON_FINITE_TEXT.test(raw.trim())) {
    return parseError('RECUR_E_NON_FINITE', `field '${name}': expected a finite number, received ${quote(raw)}`, stream, { field: name });
  }
  const shown = typeof raw === 'string' ? quote(raw) : raw === null ? 'null' : typeof raw;
  return parseError('RECUR_E_NOT_A_NUMBER', `field '${name}': expected a number, received ${shown}`, stream, { field: name });
}

/** Text where a number belongs (a CSV cell): decimal or exponent notation only; 'NaN'/'inf' are NON_FINITE. */
export function numberFromText(raw: string, name: string, stream?: string): number | RecurError {
  const text = raw.trim();
  if (NON_FINITE_TEXT.test(text)) {
    return parseError('RECUR_E_NON_FINITE', `field '${name}': expected a finite number, received ${quote(raw)}`, stream, { field: name });
  }
  // Number('') is 0 and Number('0x10') is 16: both would hide a broken sender.
  if (!NUMBER_TEXT.test(text)) {
    return parseError('RECUR_E_NOT_A_NUMBER', `field '${name}': expected a number, received ${quote(raw)}`, stream, { field: name });
  }
  return checkNumber(Number(text), name, stream);
}
