import type { Point } from '../../point.js';
import { fieldType, type IntegerSchema } from '../line-protocol.js';
import type { WriteOutcome } from './http.js';

/** A point and the line it was sent as. */
export interface SentLine {
  readonly point: Point;
  readonly line: string;
}

export interface Refused extends SentLine {
  readonly message: string;
}

const CONFLICT = /field type conflict: input field "(.*)" on measurement "(.*)" is type (\w+), already exists as type \w+/;

/**
 * The lines a partial-write message itself names, when it names them all: influxd reports one
 * type conflict (measurement, field, the type sent) and the total dropped. Undefined when the
 * lines it names do not add up to `dropped`, so the caller finds them by bisection instead.
 */
export function namedInMessage(message: string, dropped: number | undefined, sent: readonly SentLine[], integers: IntegerSchema): SentLine[] | undefined {
  const conflict = CONFLICT.exec(message);
  if (!conflict || dropped === undefined) return undefined;
  const [, field, measurement, type] = conflict;
  const named = sent.filter(({ point }) => {
    const value = point.measurement === measurement ? point.fields[field] : undefined;
    return value !== undefined && fieldType(measurement, field, value, integers) === type;
  });
  return named.length === dropped ? named : undefined;
}

type Attempt = WriteOutcome | { kind: 'rejected'; message: string };

/**
 * Pins each refusal of a batch influxd partly refused (`message`) to its line, by writing halves
 * again. Writing a line twice is harmless: influxd overwrites a point with the same series and
 * time. Retryable errors propagate, and the caller's retry sends the whole batch again.
 */
export async function bisectRefused(
  refused: readonly SentLine[],
  message: string,
  write: (lines: readonly SentLine[]) => Promise<Attempt>,
): Promise<Refused[]> {
  if (refused.length === 1) return [{ ...refused[0], message }];
  const half = Math.ceil(refused.length / 2);
  const out: Refused[] = [];
  for (const part of [refused.slice(0, half), refused.slice(half)]) {
    const outcome = await write(part);
    if (outcome.kind !== 'written') out.push(...(await bisectRefused(part, outcome.message, write)));
  }
  return out;
}
