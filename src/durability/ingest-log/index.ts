export { decodeFrame, encodeFrame } from './frame-codec.js';
export { IngestLog } from './ingest-log.js';
export type { CommitInfo, DamageReason, IngestLogOptions, LogEvent, LogRecord, Recovery, WhenFull } from './types.js';
