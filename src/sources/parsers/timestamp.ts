import type { RecurError } from '../../errors.js';
import type { TimestampUnit } from '../types.js';
import { parseError, quote } from './result.js';

// ISO 8601 as sensors write it; a time without a zone is read as UTC, never as the host's zone.
const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SCALE: Record<'s' | 'ms' | 'us' | 'ns', number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };
/** Below this an `auto` number is seconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const AUTO_SECONDS_BELOW = 1e11;

function fromIso(text: string): number | undefined {
  const match = ISO.exec(text);
  if (!match) return undefined;
  const [, date, time, zone] = match;
  const ms = Date.parse(time === undefined ? `${date}T00:00:00Z` : `${date}T${time}${zone ?? 'Z'}`);
  return Number.isNaN(ms) ? undefined : ms;
}

function fromNumber(value: number, unit: TimestampUnit): number {
  if (unit === 'auto') return Math.abs(value) < AUTO_SECONDS_BELOW ? value * 1000 : value;
  return value * SCALE[unit as keyof typeof SCALE];
}

/** Reads a timestamp (number or text) in the given unit as milliseconds since the epoch. */
export function parseTimestamp(raw: unknown, unit: TimestampUnit, name: string, stream?: string): number | RecurError {
  const wrong = (what: string) =>
    parseError('RECUR_E_NOT_A_NUMBER', `timestamp '${name}': expected ${unit === 'iso' ? 'ISO 8601 text' : `a time in ${unit}`}, received ${what}`, stream, {
      field: name,
    });
  if (typeof raw === 'number') {
    if (unit === 'iso') return wrong(String(raw));
    const ms = fromNumber(raw, unit);
    return Number.isFinite(ms) ? ms : wrong(String(raw));
  }
  if (typeof raw !== 'string') return wrong(raw === null ? 'null' : typeof raw);
  const text = raw.trim();
  if (unit !== 'iso' && NUMERIC.test(text)) return fromNumber(Number(text), unit);
  if (unit === 'iso' || unit === 'auto') {
    const ms = fromIso(text);
    if (ms !== undefined) return ms;
  }
  return wrong(quote(raw));
}
