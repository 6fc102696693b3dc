import { basename, extname } from 'node:path';
import { asyncScheduler, Observable, type SchedulerLike } from 'rxjs';
import { RecurError } from '../../errors.js';
import type { Frame } from '../../frame.js';
import { OrderGuard } from '../order-guard.js';
import { csvRecord } from '../parsers/csv.js';
import { splitCsvLine } from '../parsers/csv-line.js';
import { parseJson } from '../parsers/json.js';
import { rejectedOf } from '../rejected.js';
import { type Pulled, replay } from '../replay.js';
import type { DeviceDescription, SourceContext, TimestampUnit } from '../types.js';
import { FILE_SOURCE_DEFAULTS as DEFAULTS } from './config.js';
import { LineReader } from './line-reader.js';

export interface FileSourceOptions {
  path: string;
  /** `csv`: the first line is the header naming the columns. `jsonl`: one JSON object per line. */
  format: 'csv' | 'jsonl';
  /** The column (CSV) or key (JSONL) holding each record's time. */
  timestampField: string;
  /** @default 'auto' (ISO 8601 text, epoch seconds or epoch milliseconds) */
  timestampUnit?: TimestampUnit;
  /** The values of a frame, in order. @default CSV: every column but the timestamp and stream columns; JSONL: required */
  fields?: string[];
  /** A fixed stream id, or the column/key that holds it. @default the file's name without extension */
  stream?: string | { column: string };
  /** `max`: as fast as the pipeline takes them; a number: that many times real time. @default 'max' */
  speed?: number | 'max';
  /** Keep reading as the file grows, like `tail -f`: the source never completes. @default false */
  follow?: boolean;
  /** How often a followed file is checked for new lines. @default 250 */
  pollMs?: number;
  /** Records per scheduler turn at speed `max`. @default 1000 */
  batch?: number;
  /** Longer lines are rejected with PAYLOAD_TOO_LARGE. @default 65536 */
  maxLineBytes?: number;
  /** Reject frames older than, or as old as, their stream's last. @default true */
  checkOrder?: boolean;
  /** @default asyncScheduler */
  scheduler?: SchedulerLike;
}

const SOURCE = 'file';

function streamFrom(options: FileSourceOptions): DeviceDescription['streamFrom'] {
  if (typeof options.stream === 'object') return { kind: 'field', field: options.stream.column };
  return { kind: 'fixed', name: options.stream ?? basename(options.path, extname(options.path)) };
}

/** The CSV header says which columns there are; the device follows from it and the options. */
function csvDevice(header: string, options: FileSourceOptions): DeviceDescription {
  const columns = splitCsvLine(header);
  if (columns instanceof RecurError) throw new RecurError('RECUR_E_PARSE_CSV', `${options.path}:1: expected a header line, ${columns.message}`);
  const names = columns.map((column) => column.trim());
  const streamColumn = typeof options.stream === 'object' ? options.stream.column : undefined;
  for (const needed of [options.timestampField, ...(streamColumn ? [streamColumn] : []), ...(options.fields ?? [])]) {
    if (!names.includes(needed)) {
      throw new RecurError('RECUR_E_CONFIG', `${options.path}:1: expected a column '${needed}', the header has ${names.join(', ')}`);
    }
  }
  return {
    format: 'csv',
    columns: names,
    fields: options.fields ?? names.filter((name) => name !== options.timestampField && name !== streamColumn),
    timestampField: options.timestampField,
    timestampUnit: options.timestampUnit ?? DEFAULTS.timestampUnit,
    streamFrom: streamFrom(options),
    maxBytes: options.maxLineBytes,
  };
}

/**
 * Replays a CSV or JSONL file with a timestamp column as frames: as fast as possible or at
 * `speed` times real time (paced on the injected scheduler), optionally following the file as
 * it grows. Bad lines go to `onReject` with `path:line` and the rest goes on. A file that cannot
 * be opened errors the observable with SOURCE_UNAVAILABLE; a header without the configured
 * columns with CONFIG. With the daemon's ingest log (`context.resume`), every frame carries a
 * cursor `[line offset, line number, frames of the line taken, inode]`, reading starts at the newest
 * logged one, and reading waits while the log is full or results pile up.
 */
export function fileSource(options: FileSourceOptions, context: SourceContext): Observable<Frame> {
  if (options.format === 'jsonl' && !options.fields) {
    throw new RecurError('RECUR_E_CONFIG', `file source ${options.path}: expected 'fields' (the JSON keys of the values) for format jsonl, received none`);
  }
  return new Observable<Frame>((subscriber) => {
    let reader: LineReader;
    try {
      reader = new LineReader(options.path);
    } catch (error) {
      subscriber.error(
        new RecurError(
          'RECUR_E_SOURCE_UNAVAILABLE',
          `file source: expected a readable file at ${options.path}, ${(error as Error).message}`,
          {},
          { cause: error },
        ),
      );
      return;
    }
    let device: DeviceDescription | undefined =
      options.format === 'jsonl'
        ? {
            format: 'json',
            fields: options.fields!,
            timestampField: options.timestampField,
            timestampUnit: options.timestampUnit ?? DEFAULTS.timestampUnit,
            streamFrom: streamFrom(options),
            maxBytes: options.maxLineBytes,
          }
        : undefined;
    const guard = options.checkOrder === false ? undefined : new OrderGuard();
    const queue: Frame[] = [];
    let ended = false;

    const reject = (error: RecurError, line: string) => context.onReject(rejectedOf(error, line, SOURCE, `${options.path}:${reader.lineNo}`));

    // With the ingest log: each frame carries where to read on from, and a restart seeks there.
    const cursorSource = context.resume ? `${SOURCE}:${options.path}` : undefined;
    const inode = cursorSource ? reader.inode : 0;
    let resumeAt = cursorSource ? context.resume?.cursor(cursorSource) : undefined;
    /** Frames of line `line` taken before the restart, skipped when it is read again. */
    let skip = { line: 0, frames: 0 };

    const accept = (line: string) => {
      if (line.trim() === '') return;
      if (device === undefined) {
        device = csvDevice(line, options);
        return;
      }
      const parsed =
        device.format === 'json'
          ? parseJson(line, device, { now: 0 })
          : (() => {
              const bytes = Buffer.byteLength(line);
              const max = device.maxBytes ?? 65_536;
              if (bytes > max)
                return { frames: [], errors: [new RecurError('RECUR_E_PAYLOAD_TOO_LARGE', `expected a line of at most ${max} bytes, received ${bytes}`)] };
              const record = csvRecord(line, device, { now: 0 });
              return record instanceof RecurError ? { frames: [], errors: [record] } : { frames: [record], errors: [] };
            })();
      for (const error of parsed.errors) reject(error, line);
      parsed.frames.forEach((frame, i) => {
        if (reader.lineNo === skip.line && i < skip.frames) return;
        const verdict = guard?.check(frame);
        if (verdict === 'repeat') context.count?.('repeats');
        else if (verdict) reject(verdict, line);
        else queue.push(cursorSource ? { ...frame, cursor: { source: cursorSource, at: [reader.lineStart, reader.lineNo, i + 1, inode] } } : frame);
      });
    };

    /** Seeks to a cursor `[line offset, line number, frames of it taken, inode]` (after the CSV header, which names the columns). */
    const resume = ([offset, line, frames, readInode]: readonly number[]) => {
      if (!(offset <= reader.size && readInode === inode)) {
        context.log?.('warn', 'file was replaced or truncated since the last run read it: reading it from the start', {
          path: options.path,
          offset,
        });
        return;
      }
      while (device === undefined) {
        const header = reader.next();
        if (header === undefined) return;
        accept(header);
      }
      reader.seek(offset, line);
      skip = { line, frames };
      context.log?.('info', 'file source resumes where the last run stopped', { path: options.path, line, offset });
    };

    const pull = (): Pulled => {
      if (resumeAt) {
        resume(resumeAt);
        resumeAt = undefined;
      }
      while (queue.length === 0) {
        if (ended) return 'end';
        const line = reader.next();
        if (line !== undefined) {
          accept(line);
        } else if (options.follow) {
          return 'wait';
        } else {
          const rest = reader.flush();
          if (rest !== undefined) accept(rest);
          ended = true;
        }
      }
      return queue.shift()!;
    };

    const guarded = (): Pulled => {
      try {
        return pull();
      } catch (error) {
        subscriber.error(error);
        return 'end';
      }
    };

    const replaying = replay({
      pull: guarded,
      emit: (frame) => subscriber.next(frame),
      complete: () => subscriber.complete(),
      ready: context.resume?.room,
      speed: options.speed ?? DEFAULTS.speed,
      batch: options.batch ?? DEFAULTS.batch,
      pollMs: options.pollMs ?? DEFAULTS.pollMs,
      scheduler: options.scheduler ?? asyncScheduler,
    });
    return () => {
      replaying.unsubscribe();
      reader.close();
    };
  });
}
