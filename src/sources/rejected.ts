import type { RecurError } from '../errors.js';
import type { Rejected } from './types.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Text stays text (readable in the dead-letter file); anything else is kept exactly, as base64. */
function encodePayload(payload: Buffer | string): Pick<Rejected, 'payload' | 'encoding'> {
  if (typeof payload === 'string') return { payload, encoding: 'utf8' };
  try {
    return { payload: decoder.decode(payload), encoding: 'utf8' };
  } catch {
    return { payload: payload.toString('base64'), encoding: 'base64' };
  }
}

/** The record a source hands to `onReject` for a parse error. */
export function rejectedOf(error: RecurError, payload: Buffer | string, source: string, origin?: string): Rejected {
  const stream = typeof error.details.stream === 'string' ? error.details.stream : undefined;
  return {
    code: error.code,
    message: error.message,
    ...(stream === undefined ? {} : { stream }),
    ...encodePayload(payload),
    source,
    ...(origin === undefined ? {} : { origin }),
  };
}
