import { type ErrorCode, ErrorCodes, RecurError } from '../errors.js';
import type { Point } from '../point.js';

/**
 * Where results go. `write` resolves once the batch is in the sink (or, for a sink that keeps a
 * dead-letter file, dead-lettered there with a counter), and rejects with a SinkError that says
 * whether trying again can help; the caller keeps the batch until then.
 */
export interface Sink {
  readonly name: string;
  open(): Promise<void>;
  write(batch: readonly Point[]): Promise<void>;
  /** Flushes what is buffered, then releases connections and files. */
  close(): Promise<void>;
}

type SinkErrorCode = typeof ErrorCodes.SINK_REJECTED | typeof ErrorCodes.SINK_UNAVAILABLE | typeof ErrorCodes.SINK_TEXT;

export interface SinkErrorDetails extends Record<string, unknown> {
  /** The sink's name. */
  sink: string;
  /** What the server answered, verbatim, when it answered. */
  serverMessage?: string;
  /** HTTP status or protocol reason code, when there was one. */
  status?: number;
}

export class SinkError extends RecurError {
  /** True when the same write can succeed later (5xx, refused connection, timeout). */
  readonly retryable: boolean;
  readonly serverMessage: string | undefined;

  constructor(code: SinkErrorCode, message: string, details: SinkErrorDetails, options?: ErrorOptions) {
    super(code, message, details, options);
    this.name = 'SinkError';
    this.retryable = code === ErrorCodes.SINK_UNAVAILABLE;
    this.serverMessage = details.serverMessage;
  }
}

export function isSinkError(error: unknown, code?: ErrorCode): error is SinkError {
  return error instanceof SinkError && (code === undefined || error.code === code);
}
