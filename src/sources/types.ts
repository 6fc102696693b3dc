import type { Observable } from 'rxjs';
import type { ErrorCode } from '../errors.js';
import type { Frame } from '../frame.js';

/**
 * A copy of bad input, with its stable code: what a source hands to `onReject` instead of
 * stopping. The daemon counts it by code and writes it to the dead-letter file or topic.
 */
export interface Rejected {
  readonly code: ErrorCode;
  /** What was expected and what was received. */
  readonly message: string;
  /** The stream the input belonged to, when it could be told. */
  readonly stream?: string;
  /** The offending input: as text when it is valid UTF-8 text, else base64 (see `encoding`). */
  readonly payload: string;
  readonly encoding: 'utf8' | 'base64';
  /** Which source saw it: `mqtt`, `file`, `wav`, `mic`. */
  readonly source: string;
  /** Where in the source: an MQTT topic, `path:line`, a command line. */
  readonly origin?: string;
}

/** Called once per bad payload (or bad line of one); the source goes on with everything else. */
export type OnReject = (rejected: Rejected) => void;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A structured log line; pino's `logger[level](fields, message)` adapts to it in one line. */
export type Logger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** Events a source counts: the daemon maps them to metrics. */
export type SourceCounter = 'restarts' | 'stalls' | 'reconnects' | 'disconnects' | 'repeats';

/** What every source factory is handed besides its own options. */
export interface SourceContext {
  /** Receives bad input (the daemon counts and dead-letters it). */
  readonly onReject: OnReject;
  /** @default no logging */
  readonly log?: Logger;
  /** @default no counting */
  readonly count?: (counter: SourceCounter) => void;
  /** Given when the daemon logs its input: file and WAV sources then resume and pace by it. */
  readonly resume?: ResumeHooks;
}

/**
 * How the daemon's ingest log lets a replayable source (file, WAV) resume where an earlier run
 * stopped, and hold back while the log is full or results pile up. The source stamps each
 * frame with a `cursor` (where it reads on from after it); the log keeps the newest one.
 */
export interface ResumeHooks {
  /** The cursor of `source`'s last logged frame in an earlier run, or undefined: start at the beginning. */
  cursor(source: string): readonly number[] | undefined;
  /** undefined when the pipeline can take more now, else a promise that resolves when it can. */
  room(): Promise<void> | undefined;
}

export type SourceFactory<Options> = (options: Options, context: SourceContext) => Observable<Frame>;

/** Where a frame's stream id comes from. */
export type StreamFrom =
  /** One fixed name for everything the device sends. */
  | { readonly kind: 'fixed'; readonly name: string }
  /** A JSON key or CSV column of the payload. */
  | { readonly kind: 'field'; readonly field: string }
  /** A segment of the MQTT topic, 0-based (`plant/+/temp` with segment 1). Resolved by the MQTT source. */
  | { readonly kind: 'topic'; readonly segment: number }
  /** Line protocol: the measurement and the named tags (all tags, sorted, when `tags` is absent), as `cpu,host=a`. */
  | { readonly kind: 'series'; readonly tags?: readonly string[] };

/**
 * How a timestamp is written. `auto`: ISO 8601 text, or a number read as seconds below 1e11
 * (year 5138) and as milliseconds from there (so ms before March 1973 are misread).
 */
export type TimestampUnit = 'iso' | 's' | 'ms' | 'us' | 'ns' | 'auto';

export type PayloadFormat = 'json' | 'line-protocol' | 'csv' | 'pcm16le';

/** What a device sends: enough for a parser to turn one payload into frames. */
export interface DeviceDescription {
  readonly format: PayloadFormat;
  /** The values of a frame, in order: JSON keys (dotted paths allowed), line-protocol field keys, CSV columns. */
  readonly fields: readonly string[];
  /** @default the stream id the source resolved (topic segment, file name); 'series' for line protocol */
  readonly streamFrom?: StreamFrom;
  /** JSON key or CSV column of the timestamp. @default none: the arrival time is used */
  readonly timestampField?: string;
  /** @default 'auto' for JSON and CSV; line protocol uses `precision` */
  readonly timestampUnit?: TimestampUnit;
  /** Line-protocol timestamp precision. @default 'ns' (what Telegraf writes) */
  readonly precision?: 'ns' | 'us' | 'ms' | 's';
  /** Larger payloads are rejected with PAYLOAD_TOO_LARGE before parsing. @default 65536 */
  readonly maxBytes?: number;
  /** CSV: the column names of a header-less line, in order. @default `fields` (one column per value) */
  readonly columns?: readonly string[];
  /** CSV delimiter. @default ',' */
  readonly delimiter?: string;
  /** PCM: samples per second. @default 16000 */
  readonly sampleRate?: number;
  /** PCM: interleaved channels, downmixed to mono. @default 1 */
  readonly channels?: number;
}

/** What a parser needs besides the payload. */
export interface ParseContext {
  /** Arrival time (ms since the epoch): the timestamp when the payload carries none. */
  readonly now: number;
  /** The stream id the source resolved (topic segment, fixed name), used unless the payload names one. */
  readonly stream?: string;
}
