import { bufferTime, concatMap, filter, type Observable } from 'rxjs';
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
  let queued = 0;
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
  return points.pipe(
    bufferTime(options.flushMs, null, options.batchSize),
    filter((batch) => batch.length > 0),
    concatMap(async (batch) => {
      queued += batch.length;
      metrics.sinkQueueDepth.set({ sink: sink.name }, queued);
      const written = await write(batch);
      options.onWritten?.(batch);
      queued -= batch.length;
      metrics.sinkQueueDepth.set({ sink: sink.name }, queued);
      return written;
    }),
  );
}
