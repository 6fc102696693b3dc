/**
 * Every error recur raises on purpose carries a stable code, so operators can count, alert and
 * route on it, and a message that says what was expected and what was received.
 */
export const ErrorCodes = {
  /** A configuration file or option is invalid. */
  CONFIG: 'RECUR_E_CONFIG',
  /** model.json is malformed or describes something recur cannot run. */
  MODEL_FORMAT: 'RECUR_E_MODEL_FORMAT',
  /** A layer, or a setting of a layer, that recur does not support (in this mode). */
  MODEL_UNSUPPORTED: 'RECUR_E_MODEL_UNSUPPORTED',
  /** A weight shard is missing, unreadable or of the wrong size. */
  MODEL_WEIGHTS: 'RECUR_E_MODEL_WEIGHTS',
  /** A snapshot is corrupt, of an unknown version or made by another model. */
  SNAPSHOT: 'RECUR_E_SNAPSHOT',
  /** Inputs handed to step() do not match the model (size, duplicates). */
  INPUT_SHAPE: 'RECUR_E_INPUT_SHAPE',
  /** An input value is NaN or infinite: stepping it would poison the stream's state for good. */
  NON_FINITE: 'RECUR_E_NON_FINITE',
  /** A kernel could not be loaded or was asked for by a name that does not exist. */
  KERNEL: 'RECUR_E_KERNEL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class RecurError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(`${code}: ${message}`, options);
    this.name = 'RecurError';
    this.code = code;
    this.details = details;
  }
}

export function isRecurError(error: unknown, code?: ErrorCode): error is RecurError {
  return error instanceof RecurError && (code === undefined || error.code === code);
}
