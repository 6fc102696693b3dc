import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCodes } from '../../errors.js';
import type { Point } from '../../point.js';
import { encodePoint } from '../line-protocol.js';
import { type Sink, SinkError } from '../types.js';
import { type FileSinkConfig, type FileSinkOptions, parseFileConfig } from './config.js';
import { rotateFiles } from './rotate.js';

/**
 * Appends points to a file, as line protocol (nanosecond timestamps, so the file needs no
 * precision beside it) or as JSON lines, rotating by size. Guarantees: a batch is encoded whole
 * before anything is written (a bad point refuses the batch with SINK_TEXT/SINK_REJECTED); lines
 * are never split across files; writes are serialised in call order; with `fsync` write()
 * resolves only once the batch is on disk.
 */
export class FileSink implements Sink {
  readonly name: string;
  readonly config: FileSinkConfig;
  #handle: FileHandle | undefined;
  #size = 0;
  #tail: Promise<void> = Promise.resolve();

  constructor(options: FileSinkOptions) {
    this.config = parseFileConfig(options);
    this.name = this.config.name;
  }

  async open(): Promise<void> {
    await mkdir(dirname(this.config.path), { recursive: true });
    await this.#reopen();
  }

  write(batch: readonly Point[]): Promise<void> {
    if (this.#handle === undefined) {
      return Promise.reject(
        new SinkError(ErrorCodes.SINK_UNAVAILABLE, `sink '${this.name}': expected an open sink, received a write while closed`, { sink: this.name }),
      );
    }
    let lines: string[];
    try {
      lines = batch.map((point) => `${this.#encode(point)}\n`);
    } catch (error) {
      return Promise.reject(error);
    }
    const done = this.#tail.then(() => this.#append(lines));
    this.#tail = done.catch(() => {});
    return done;
  }

  async close(): Promise<void> {
    await this.#tail;
    await this.#handle?.close();
    this.#handle = undefined;
  }

  #encode(point: Point): string {
    if (this.config.format === 'jsonl') return JSON.stringify({ measurement: point.measurement, tags: point.tags, fields: point.fields, t: point.t });
    return encodePoint(point, { precision: 'ns', integers: this.config.integerFields });
  }

  async #append(lines: readonly string[]): Promise<void> {
    let chunk = '';
    let chunkBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.byteLength(line);
      if (this.#size + chunkBytes + bytes > this.config.maxBytes && this.#size + chunkBytes > 0) {
        await this.#put(chunk);
        await this.#rotate();
        chunk = '';
        chunkBytes = 0;
      }
      chunk += line;
      chunkBytes += bytes;
    }
    await this.#put(chunk);
    if (this.config.fsync) await this.#handle!.sync();
  }

  async #put(chunk: string): Promise<void> {
    if (chunk === '') return;
    await this.#handle!.appendFile(chunk);
    this.#size += Buffer.byteLength(chunk);
  }

  async #rotate(): Promise<void> {
    if (this.config.fsync) await this.#handle!.sync();
    await this.#handle!.close();
    this.#handle = undefined;
    await rotateFiles(this.config.path, this.config.keep);
    await this.#reopen();
  }

  async #reopen(): Promise<void> {
    this.#handle = await open(this.config.path, 'a');
    this.#size = (await this.#handle.stat()).size;
  }
}
