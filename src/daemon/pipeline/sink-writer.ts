import { bufferTime, concatMap, filter, type Observable } from 'rxjs';
import type { Point } from '../../point.js';
import { isSinkError, type Sink } from '../../sinks/index.js';
import { Backoff, sleep } from '../../util/backoff.js';
import type { DeadLetterFile } from '../dead-letter.js';
import type { DaemonMetrics } from '../metrics.js';

export interface SinkWriterOptions {
  batchSize: number;
  flushMs: number;
  metrics: DaemonMetrics;
  deadLetter: DeadLetterFile;
  /** Stop retrying when this says so (shutdown deadline passed). */
  giveUp: () => boolean;
}

/**
 * Writes points to one sink in batches (by size and time), one batch at a time, in order. A
 * retryable failure is retried with backoff and jitter until it succeeds; a refused batch is
 * dead-lettered. Completes after the last batch is written.
 */
export function writeToSink(points: Observable<Point>, sink: Sink, options: SinkWriterOptions): Observable<number> {
  const { metrics } = options;
  let queued = 0;
  const write = async (batch: Point[]): Promise<number> => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 10_000 });
    for (;;) {
      const stop = metrics.sinkBatchSeconds.startTimer({ sink: sink.name });
      try {
        await sink.write(batch);
        stop();
        metrics.pointsWritten.inc({ sink: sink.name }, batch.length);
        return batch.length;
      } catch (error) {
        const code = isSinkError(error) ? error.code : 'RECUR_E_SINK_UNAVAILABLE';
        metrics.errors.inc({ code });
        if (!isSinkError(error) || !error.retryable || options.giveUp()) {
          options.deadLetter.write({ code, sink: sink.name, message: (error as Error).message, points: batch });
          return 0;
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
      queued -= batch.length;
      metrics.sinkQueueDepth.set({ sink: sink.name }, queued);
      return written;
    }),
  );
}
