import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One refused write: what was sent, and why the server (or the encoder) refused it. */
export interface DeadLetterRecord {
  /** ISO time the record was written. */
  time: string;
  sink: string;
  /** The RecurError code (SINK_REJECTED, SINK_TEXT). */
  code: string;
  /** The server's message verbatim, or the encoder's. */
  message: string;
  /** HTTP status, when the server answered. */
  status?: number;
  /** The refused lines as they were sent; a point the encoder refused is kept as a point instead. */
  lines?: string[];
  point?: unknown;
}

/**
 * Appends dead-letter records as JSON lines. Each append is one write of whole lines, so a crash
 * leaves at worst a truncated last line, never a mixed one.
 */
export class DeadLetterFile {
  readonly path: string;
  #ready: Promise<unknown> | undefined;

  constructor(path: string) {
    this.path = path;
  }

  async append(records: readonly Omit<DeadLetterRecord, 'time'>[]): Promise<void> {
    if (records.length === 0) return;
    this.#ready ??= mkdir(dirname(this.path), { recursive: true });
    await this.#ready;
    const time = new Date().toISOString();
    await appendFile(this.path, records.map((record) => `${JSON.stringify({ time, ...record })}\n`).join(''));
  }
}
