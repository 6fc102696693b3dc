import { z } from 'zod';
import { parseSinkConfig } from '../config.js';

export const FILE_DEFAULTS = {
  name: 'file',
  format: 'line',
  maxBytes: 10 * 1024 * 1024,
  keep: 5,
  fsync: false,
} as const;

export const fileConfigSchema = z.strictObject({
  /** Name of this sink in logs and errors. @default 'file' */
  name: z.string().min(1).default(FILE_DEFAULTS.name),
  /** File appended to; rotated files are `<path>.1` (newest) to `<path>.<keep>`. */
  path: z.string().min(1),
  /** 'line': InfluxDB line protocol with nanosecond timestamps; 'jsonl': one Point as JSON a line. @default 'line' */
  format: z.enum(['line', 'jsonl']).default(FILE_DEFAULTS.format),
  /** Size at which the file is rotated (a line is never split). @default 10485760 (10 MiB) */
  maxBytes: z.int().positive().default(FILE_DEFAULTS.maxBytes),
  /** Rotated files kept; the oldest beyond that is deleted. @default 5 */
  keep: z.int().positive().default(FILE_DEFAULTS.keep),
  /** fsync after each batch, so write() resolving means on disk, not just in the page cache. @default false */
  fsync: z.boolean().default(FILE_DEFAULTS.fsync),
  /** Measurement -> fields written as integers in line protocol. @default {} */
  integerFields: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
});

export type FileSinkOptions = z.input<typeof fileConfigSchema>;
export type FileSinkConfig = z.output<typeof fileConfigSchema>;

export const parseFileConfig = (input: unknown): FileSinkConfig => parseSinkConfig('file', fileConfigSchema, input);
