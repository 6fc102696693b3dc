import { bufferTime, filter, Observable } from 'rxjs';
import type { Point } from '../../point.js';
import { isSinkError, type Sink } from '../../sinks/index.js';
import { Backoff, sleep } from '../../util/backoff.js';
import type { DeadLetter } from '../dead-letter.js';
import type { DaemonMetrics } from '../metrics.js';

export interface SinkWriterOptions {
  batchSize: number;
  flushMs: number;
  metrics: DaemonMetrics;
  deadLetter: DeadLetter;
  /** Stop retrying when this says so (shutdown deadline passed). */
  giveUp: () => boolean;
  /** Told each batch once it is written or dead-lettered, in order (the ingest log's sink progress). */
  onWritten?: (batch: readonly Point[]) => void;
  /** Where an outage's start and end are reported (one line each, not one per retry). @default none */
  log?: (level: 'warn' | 'info', message: string, fields: Record<string, unknown>) => void;
}

/**
 * Writes points to one sink in batches (by size and time), one batch at a time, in order. A
 * retryable failure is retried with backoff and jitter until it succeeds; a refused batch is
 * dead-lettered. Completes after the last batch is written.
 */
export function writeToSink(points: Observable<Point>, sink: Sink, options: SinkWriterOptions): Observable<number> {
  const { metrics } = options;
  const age = metrics.resultAgeSeconds.labels({ sink: sink.name });
  /** When the current run of failed writes began (an outage), if one is going on. */
  let failingSince: number | undefined;
  const write = async (batch: Point[]): Promise<number> => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 10_000 });
    for (;;) {
      const stop = metrics.sinkBatchSeconds.startTimer({ sink: sink.name });
      try {
        await sink.write(batch);
        stop();
        if (failingSince !== undefined) {
          options.log?.('info', 'sink writes again', { sink: sink.name, outageMs: Date.now() - failingSince });
          failingSince = undefined;
        }
        metrics.pointsWritten.inc({ sink: sink.name }, batch.length);
        // How far behind results are: the end-to-end latency when frames carry their publish time.
        const now = Date.now();
        for (const point of batch) if (Number.isFinite(point.t)) age.observe((now - point.t) / 1000);
        return batch.length;
      } catch (error) {
        const code = isSinkError(error) ? error.code : 'RECUR_E_SINK_UNAVAILABLE';
        metrics.errors.inc({ code });
        if (!isSinkError(error) || !error.retryable || options.giveUp()) {
          options.deadLetter.write({ code, sink: sink.name, message: (error as Error).message, points: batch });
          return 0;
        }
        if (failingSince === undefined) {
          failingSince = Date.now();
          options.log?.('warn', 'sink write failed; retrying with backoff until it succeeds', { sink: sink.name, code, error: (error as Error).message });
        }
        await sleep(backoff.next());
      }
    }
  };
  // Batches cut while a write is in flight wait, and are written together (up to batchSize points)
  // once it is done. Under load the event loop turns slowly (each socket read is parsed, logged and
  // stepped at once), so one small batch per round trip starved the sink: results piled up and the
  // daemon wrote a fraction of what it took in.
  return new Observable<number>((subscriber) => {
    const waiting: Point[][] = [];
    let queued = 0;
    let busy = false;
    let ended = false;
    const next = () => {
      if (busy) return;
      if (waiting.length === 0) {
        if (ended) subscriber.complete();
        return;
      }
      let batch: Point[] = [];
      while (waiting.length > 0 && batch.length < options.batchSize) {
        const head = waiting[0];
        const room = options.batchSize - batch.length;
        if (head.length <= room) {
          batch = batch.length === 0 ? head : batch.concat(head);
          waiting.shift();
        } else {
          batch = batch.concat(head.slice(0, room));
          waiting[0] = head.slice(room);
        }
      }
      busy = true;
      write(batch).then(
        (written) => {
          options.onWritten?.(batch);
          queued -= batch.length;
          metrics.sinkQueueDepth.set({ sink: sink.name }, queued);
          busy = false;
          subscriber.next(written);
          next();
        },
        (error: unknown) => subscriber.error(error),
      );
    };
    const subscription = points
      .pipe(
        bufferTime(options.flushMs, null, options.batchSize),
        filter((batch) => batch.length > 0),
      )
      .subscribe({
        next: (batch) => {
          waiting.push(batch);
          queued += batch.length;
          metrics.sinkQueueDepth.set({ sink: sink.name }, queued);
          next();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          ended = true;
          next();
        },
      });
    return () => subscription.unsubscribe();
  });
}
