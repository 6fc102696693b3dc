import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { isRecurError, RecurError } from '../../errors.js';
import type { Frame } from '../../frame.js';
import { rejectedOf } from '../rejected.js';
import { replay } from '../replay.js';
import type { SourceContext } from '../types.js';
import { chunkFrames } from './chunks.js';
import { WAV_DEFAULTS as DEFAULTS } from './config.js';
import { decodeWav } from './decode.js';
import { type ResampleQuality, resample } from './resample.js';

export interface WavSourceOptions {
  /** One file or several, played one after the other. */
  path: string | string[];
  /** The sample rate the pipeline wants; files at other rates are resampled. @default 16000 */
  rate?: number;
  /** Samples per frame (at `rate`). @default 160 (10 ms at 16 kHz) */
  hop?: number;
  /** @default 'medium' (libsamplerate's SRC_SINC_MEDIUM_QUALITY) */
  quality?: ResampleQuality;
  /** @default each file's name without extension */
  stream?: string;
  /** Timestamp of each file's first sample, ms since the epoch: fixed, so a replay yields the same frames. @default 0 */
  startMs?: number;
  /** `max` or that many times real time. @default 'max' */
  speed?: number | 'max';
  /** Frames per scheduler turn at speed `max`. @default 100 */
  batch?: number;
  /** @default asyncScheduler */
  scheduler?: SchedulerLike;
}

const SOURCE = 'wav';
/** How much of a corrupt file the dead-letter record keeps: the header is what is wrong. */
const REJECT_BYTES = 1024;

/**
 * Plays WAV files as mono frames of `hop` samples at `rate`. A file that is not a readable WAV
 * (broken header, truncated, unsupported encoding) goes to `onReject` as WAV_CORRUPT and the
 * next file plays; a file that cannot be read at all errors the source with SOURCE_UNAVAILABLE.
 * With the daemon's ingest log (`context.resume`), playing starts after the newest logged frame
 * and waits while the log is full or results pile up.
 */
export function wavSource(options: WavSourceOptions, context: SourceContext): Observable<Frame> {
  const paths = typeof options.path === 'string' ? [options.path] : options.path;
  const rate = options.rate ?? DEFAULTS.rate;
  const hop = options.hop ?? DEFAULTS.hop;
  if (!(Number.isInteger(rate) && rate > 0 && Number.isInteger(hop) && hop > 0)) {
    throw new RecurError('RECUR_E_CONFIG', `wav source: expected positive integers for rate and hop, received ${rate} and ${hop}`);
  }
  return new Observable<Frame>((subscriber) => {
    // With the ingest log, each frame carries [file index, frames of that file taken], and a restart resumes there.
    const cursorSource = context.resume ? `${SOURCE}:${paths.join(',')}` : undefined;
    const resumeAt = cursorSource ? context.resume?.cursor(cursorSource) : undefined;
    let index = resumeAt ? resumeAt[0] : 0;
    let playing: Subscription | undefined;
    if (resumeAt) context.log?.('info', 'wav source resumes where the last run stopped', { path: paths[index], frame: resumeAt[1] });

    const play = async (path: string, first: number): Promise<Iterator<Frame> | undefined> => {
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (error) {
        throw new RecurError(
          'RECUR_E_SOURCE_UNAVAILABLE',
          `wav source: expected a readable file at ${path}, ${(error as Error).message}`,
          {},
          { cause: error },
        );
      }
      try {
        const { sampleRate, samples } = decodeWav(bytes, path);
        const resampled = await resample(samples, sampleRate, rate, options.quality);
        return chunkFrames(resampled, hop, rate, options.stream ?? basename(path, extname(path)), options.startMs ?? DEFAULTS.startMs, first);
      } catch (error) {
        if (!isRecurError(error, 'RECUR_E_WAV_CORRUPT')) throw error;
        context.onReject(rejectedOf(error, bytes.subarray(0, REJECT_BYTES), SOURCE, path));
        context.log?.('warn', 'wav file skipped', { path, code: error.code });
        return undefined;
      }
    };

    const next = async (): Promise<void> => {
      while (index < paths.length) {
        const fileIndex = index++;
        let taken = resumeAt && fileIndex === resumeAt[0] ? resumeAt[1] : 0;
        const frames = await play(paths[fileIndex], taken);
        if (subscriber.closed) return;
        if (!frames) continue;
        const pull = (): Frame | 'end' => {
          const frame = frames.next().value;
          if (!frame) return 'end';
          taken++;
          return cursorSource ? { ...frame, cursor: { source: cursorSource, at: [fileIndex, taken] } } : frame;
        };
        playing = replay({
          pull,
          emit: (frame) => subscriber.next(frame),
          complete: () => void next().catch((error) => subscriber.error(error)),
          speed: options.speed ?? DEFAULTS.speed,
          batch: options.batch ?? DEFAULTS.batch,
          pollMs: 0,
          ready: context.resume?.room,
          scheduler: options.scheduler ?? asyncScheduler,
        });
        return;
      }
      subscriber.complete();
    };

    next().catch((error) => subscriber.error(error));
    return () => playing?.unsubscribe();
  });
}
