import type { RecurError } from '../../errors.js';
import type { DeviceDescription, ParseContext } from '../types.js';
import { parseError } from './result.js';

/** The stream id when the payload does not name one and the source resolved none. */
export const DEFAULT_STREAM = 'default';

/** Resolves a record's stream id from a key of the record (`field`) or from what the source resolved. */
export function streamOf(lookup: (key: string) => unknown, device: DeviceDescription, context: ParseContext): string | RecurError {
  const from = device.streamFrom;
  if (from?.kind === 'fixed') return from.name;
  if (from?.kind !== 'field') return context.stream ?? DEFAULT_STREAM;
  const raw = lookup(from.field);
  if (typeof raw === 'string' && raw !== '') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  const shown = raw === undefined ? 'nothing' : JSON.stringify(raw);
  return parseError('RECUR_E_FIELD_COUNT', `expected the stream id in field '${from.field}' (non-empty text or a number), received ${shown}`, context.stream, {
    field: from.field,
  });
}
