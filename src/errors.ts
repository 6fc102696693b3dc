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

  // Bad input on a source path: each has a counter and a dead-letter record; other streams go on.
  /** A payload is not valid JSON. */
  PARSE_JSON: 'RECUR_E_PARSE_JSON',
  /** A payload is not valid InfluxDB line protocol. */
  PARSE_LINE_PROTOCOL: 'RECUR_E_PARSE_LINE_PROTOCOL',
  /** A CSV line cannot be parsed. */
  PARSE_CSV: 'RECUR_E_PARSE_CSV',
  /** A payload has more or fewer fields than its device declares. */
  FIELD_COUNT: 'RECUR_E_FIELD_COUNT',
  /** Text (or another type) where a number belongs. */
  NOT_A_NUMBER: 'RECUR_E_NOT_A_NUMBER',
  /** A frame's timestamp is older than the stream's last one. */
  OUT_OF_ORDER: 'RECUR_E_OUT_OF_ORDER',
  /** A frame repeats the stream's last timestamp. */
  DUPLICATE_TIMESTAMP: 'RECUR_E_DUPLICATE_TIMESTAMP',
  /** A payload exceeds the configured maximum size. */
  PAYLOAD_TOO_LARGE: 'RECUR_E_PAYLOAD_TOO_LARGE',
  /**
   * A message arrived on a topic no device claims: the "unknown device" of the reliability
   * contract, since a device is known by the topics it publishes on (payloads name no device).
   */
  UNKNOWN_TOPIC: 'RECUR_E_UNKNOWN_TOPIC',
  /** A WAV file or chunk cannot be decoded (broken header, truncated data, unsupported encoding). */
  WAV_CORRUPT: 'RECUR_E_WAV_CORRUPT',
  /** A source's connection or child process failed (retried with backoff). */
  SOURCE_UNAVAILABLE: 'RECUR_E_SOURCE_UNAVAILABLE',

  // Sinks: whether a retry can help is part of the error.
  /** The sink refused the data (e.g. InfluxDB 4xx): retrying cannot help; the batch is dead-lettered. */
  SINK_REJECTED: 'RECUR_E_SINK_REJECTED',
  /** The sink is unreachable or failed (5xx, refused connection, timeout): retrying can help. */
  SINK_UNAVAILABLE: 'RECUR_E_SINK_UNAVAILABLE',
  /** A measurement, tag or field text cannot be written (e.g. contains a newline). */
  SINK_TEXT: 'RECUR_E_SINK_TEXT',

  // Ingest log.
  /** A log record fails its length or CRC check (at start-up the tail is cut off there; elsewhere this is raised). */
  LOG_CORRUPT: 'RECUR_E_LOG_CORRUPT',
  /** The log is full (whenFull: backpressure) and its headroom is used up: the record is refused, not acknowledged. */
  LOG_FULL: 'RECUR_E_LOG_FULL',
  /** Writing, fsyncing or deleting a log file failed: nothing from the durable position on is acknowledged; restart to recover. */
  LOG_IO: 'RECUR_E_LOG_IO',
  /** The log was used after close(). */
  LOG_CLOSED: 'RECUR_E_LOG_CLOSED',
  /** Another live process holds the durability folder: two writers would corrupt its log. */
  DIR_LOCKED: 'RECUR_E_DIR_LOCKED',
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
