import { type ErrorCode, RecurError } from '../../errors.js';
import type { Frame } from '../../frame.js';
import type { DeviceDescription } from '../types.js';

/**
 * What a parser makes of one payload: the frames it could read and an error for each part it
 * could not. A payload may carry many lines; one bad line does not cost the others.
 */
export interface Parsed {
  readonly frames: Frame[];
  readonly errors: RecurError[];
}

/** @default for `DeviceDescription.maxBytes` */
export const DEFAULT_MAX_BYTES = 65_536;

export function failed(code: ErrorCode, message: string, stream?: string, details: Record<string, unknown> = {}): Parsed {
  return { frames: [], errors: [parseError(code, message, stream, details)] };
}

export function parseError(code: ErrorCode, message: string, stream?: string, details: Record<string, unknown> = {}): RecurError {
  return new RecurError(code, stream === undefined ? message : `stream '${stream}': ${message}`, stream === undefined ? details : { ...details, stream });
}

/** The size check every parser runs first, so an oversize payload is never parsed. */
export function tooLarge(payload: Buffer | string, device: DeviceDescription, stream?: string): Parsed | undefined {
  const max = device.maxBytes ?? DEFAULT_MAX_BYTES;
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (bytes <= max) return undefined;
  return failed('RECUR_E_PAYLOAD_TOO_LARGE', `expected at most ${max} bytes, received ${bytes}`, stream, { bytes, max });
}

/** Shortens received text for an error message (the dead-letter record keeps the whole payload). */
export function quote(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
