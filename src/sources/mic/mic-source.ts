import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { asyncScheduler, Observable, type SchedulerLike, Subscription } from 'rxjs';
import { RecurError } from '../../errors.js';
import type { Frame } from '../../frame.js';
import { Backoff, type BackoffOptions } from '../../util/backoff.js';
import { SampleClock } from '../parsers/pcm.js';
import type { SourceContext } from '../types.js';
import { Pcm16Chunker } from './chunker.js';
import { MIC_DEFAULTS as DEFAULTS } from './config.js';

export interface MicSourceOptions {
  /** The recorder: a command writing raw int16 LE PCM to stdout, e.g. `sox -d -t raw -r 16000 -e signed -b 16 -c 1 -` or `parec`. @default arecord at 16 kHz mono */
  command?: string[];
  /** Read PCM from this stream (e.g. process.stdin) instead of a child; its end completes the source. */
  stdin?: Readable;
  /** Must match what the command writes. @default 16000 */
  sampleRate?: number;
  /** Interleaved channels the command writes, downmixed to mono. @default 1 */
  channels?: number;
  /** Samples per frame. @default 160 (10 ms at 16 kHz) */
  hop?: number;
  /** @default 'mic' */
  stream?: string;
  /** Restart the command when it exits (with backoff); false: exit 0 completes, other exits error. @default true */
  restart?: boolean;
  /** @default initial 500 ms, doubling, at most 30 s, full jitter */
  backoff?: BackoffOptions;
  /** A run that lasted this long resets the backoff: the next failure retries fast again. @default 10000 */
  healthyMs?: number;
  /** No audio for this long is a stall: logged and counted once until audio resumes. @default 5000 */
  stallMs?: number;
  /** Kill (and so restart) a stalled recorder: a hung ALSA device rarely recovers by itself. @default false */
  restartOnStall?: boolean;
  /** Timers (backoff, stall checks). @default asyncScheduler */
  scheduler?: SchedulerLike;
  /** The wall clock stamping the first chunk of each run. @default Date.now */
  now?: () => number;
}

/** @default for `MicSourceOptions.command` */
export const DEFAULT_MIC_COMMAND: readonly string[] = DEFAULTS.command;
const STDERR_TAIL = 1024;

/**
 * Live audio as mono frames of `hop` samples, stamped by a sample clock from the first chunk's
 * arrival (restarted after every gap). The recorder is restarted with exponential backoff and
 * full jitter when it dies; each restart is counted (`restarts`) and logged with the tail of its
 * stderr. A stall (no audio for `stallMs`) is logged and counted (`stalls`).
 */
export function micSource(options: MicSourceOptions, context: SourceContext): Observable<Frame> {
  const command = options.command ?? DEFAULT_MIC_COMMAND;
  const rate = options.sampleRate ?? DEFAULTS.sampleRate;
  const hop = options.hop ?? DEFAULTS.hop;
  const stream = options.stream ?? DEFAULTS.stream;
  const scheduler = options.scheduler ?? asyncScheduler;
  const now = options.now ?? Date.now;
  const stallMs = options.stallMs ?? DEFAULTS.stallMs;
  const healthyMs = options.healthyMs ?? DEFAULTS.healthyMs;
  const log = context.log ?? (() => {});
  const described = options.stdin ? 'stdin' : command.join(' ');

  return new Observable<Frame>((subscriber) => {
    const chunker = new Pcm16Chunker(options.channels ?? DEFAULTS.channels, hop);
    const clock = new SampleClock(rate);
    const backoff = new Backoff(options.backoff);
    // A parent Subscription: finished timers remove themselves, so restarts do not pile up.
    const timers = new Subscription();
    let child: ChildProcess | undefined;
    let startedAt = 0;
    let lastAudio = 0;
    let stalled = false;
    let closed = false;

    const onData = (bytes: Buffer) => {
      lastAudio = scheduler.now();
      if (stalled) {
        stalled = false;
        log('info', 'audio resumed', { source: described });
      }
      for (const values of chunker.push(bytes)) subscriber.next({ stream, t: clock.stamp(values.length, now()), values });
    };

    const watchStalls = () => {
      const every = Math.max(10, Math.min(stallMs / 2, 1000));
      timers.add(
        scheduler.schedule(function check() {
          const silent = scheduler.now() - lastAudio;
          if (!stalled && silent >= stallMs && (child || options.stdin)) {
            stalled = true;
            context.count?.('stalls');
            log('warn', 'no audio', { source: described, silentMs: silent, code: 'RECUR_E_SOURCE_UNAVAILABLE' });
            if (options.restartOnStall) child?.kill('SIGKILL');
          }
          this.schedule(undefined, every);
        }, every),
      );
    };

    const exited = (code: number | null, signal: NodeJS.Signals | null, stderr: string, error?: Error) => {
      child = undefined;
      if (closed) return;
      const ranMs = scheduler.now() - startedAt;
      const fields = { command: described, code, signal, ranMs, stderr: stderr.slice(-STDERR_TAIL), error: error?.message };
      if (options.restart === false) {
        if (code === 0) subscriber.complete();
        else
          subscriber.error(
            new RecurError(
              'RECUR_E_SOURCE_UNAVAILABLE',
              `mic source: expected '${described}' to keep recording, it exited (code ${code}, signal ${signal})`,
              fields,
            ),
          );
        return;
      }
      if (ranMs >= healthyMs) backoff.reset();
      const delay = backoff.next();
      context.count?.('restarts');
      log('warn', 'recorder exited; restarting', { ...fields, delayMs: delay, attempt: backoff.attempt, code: 'RECUR_E_SOURCE_UNAVAILABLE', exitCode: code });
      timers.add(scheduler.schedule(start, delay));
    };

    function start(): void {
      if (closed) return;
      chunker.reset();
      clock.reset();
      startedAt = lastAudio = scheduler.now();
      let stderr = '';
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (done) return;
        done = true;
        exited(code, signal, stderr, error);
      };
      const spawned = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      child = spawned;
      spawned.stdout.on('data', onData);
      spawned.stderr.on('data', (bytes: Buffer) => {
        stderr = (stderr + bytes.toString('utf8')).slice(-STDERR_TAIL);
      });
      spawned.on('error', (error) => finish(null, null, error)); // e.g. ENOENT: no such recorder
      spawned.on('close', (code, signal) => finish(code, signal));
    }

    if (options.stdin) {
      const input = options.stdin;
      lastAudio = scheduler.now();
      input.on('data', onData);
      input.once('end', () => subscriber.complete());
      input.once('error', (error) =>
        subscriber.error(new RecurError('RECUR_E_SOURCE_UNAVAILABLE', `mic source: stdin failed: ${error.message}`, {}, { cause: error })),
      );
      watchStalls();
      return () => {
        closed = true;
        input.off('data', onData);
        timers.unsubscribe();
      };
    }

    start();
    watchStalls();
    return () => {
      closed = true;
      timers.unsubscribe();
      const running = child;
      if (running) {
        running.stdout?.off('data', onData);
        running.kill('SIGTERM');
        // A recorder that ignores SIGTERM must not outlive the subscription.
        setTimeout(() => running.exitCode === null && running.signalCode === null && running.kill('SIGKILL'), 2000).unref();
      }
    };
  });
}
