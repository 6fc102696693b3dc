import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import type { Point } from '../../point.js';
import { parseSinkConfig } from '../config.js';
import type { Sink } from '../types.js';

export const STDOUT_DEFAULTS = { name: 'stdout', digits: 6 } as const;

export const stdoutConfigSchema = z.strictObject({
  /** @default 'stdout' */
  name: z.string().min(1).default(STDOUT_DEFAULTS.name),
  /** Significant digits of numbers shown (display only: other sinks get full precision). @default 6 */
  digits: z.int().min(1).max(17).default(STDOUT_DEFAULTS.digits),
});

export type StdoutSinkOptions = z.input<typeof stdoutConfigSchema>;

/** Text as is when it is plain, JSON-quoted when it has spaces, quotes or control characters. */
function show(text: string): string {
  return /^[^\s"=,\p{Cc}]+$/u.test(text) ? text : JSON.stringify(text);
}

/**
 * One readable line per point for the demo and for debugging:
 * `2024-05-01T12:00:00.000Z forecast stream=pump-1 value=0.4213 anomaly=false`.
 * Guarantees: lines of a batch stay together and in order; write() waits when the stream is
 * full (so a slow terminal slows the pipeline rather than growing memory).
 */
export class StdoutSink implements Sink {
  readonly name: string;
  readonly #digits: number;
  readonly #out: Writable;

  constructor(options: StdoutSinkOptions = {}, out: Writable = process.stdout) {
    const config = parseSinkConfig('stdout', stdoutConfigSchema, options);
    this.name = config.name;
    this.#digits = config.digits;
    this.#out = out;
  }

  async open(): Promise<void> {}

  format(point: Point): string {
    const time = Number.isFinite(point.t) && Math.abs(point.t) <= 8.64e15 ? new Date(point.t).toISOString() : `t=${point.t}`;
    const tags = Object.entries(point.tags).map(([k, v]) => `${show(k)}=${show(v)}`);
    const fields = Object.entries(point.fields).map(([k, v]) => `${show(k)}=${this.#value(v)}`);
    return [time, show(point.measurement), ...tags, ...fields].join(' ');
  }

  async write(batch: readonly Point[]): Promise<void> {
    if (batch.length === 0) return;
    const text = `${batch.map((point) => this.format(point)).join('\n')}\n`;
    if (!this.#out.write(text)) await once(this.#out, 'drain');
  }

  async close(): Promise<void> {}

  #value(value: number | boolean | string): string {
    if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(this.#digits)));
    if (typeof value === 'boolean') return String(value);
    return JSON.stringify(value);
  }
}
