import type { z } from 'zod';
import { ErrorCodes, RecurError } from '../errors.js';

/**
 * Validates a sink's options against its schema (unknown keys refused, defaults filled in) and
 * turns every problem into one CONFIG error that names the sink, the key and what was expected.
 */
export function parseSinkConfig<S extends z.ZodType>(sink: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.');
    return `${where}: ${issue.message}`;
  });
  throw new RecurError(ErrorCodes.CONFIG, `sink '${sink}' options: ${problems.join('; ')}`, { sink, issues: problems });
}
