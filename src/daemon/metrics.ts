import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Log-spaced (1, 1.5, 2, 3, 5, 7.5 per decade) from 0.5 ms to 30 s: fine enough to read p50/p99
 * of end-to-end latency off the histogram (`recur bench e2e` does) and to see results falling behind.
 */
export const RESULT_AGE_BUCKETS = [
  0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000, 20_000, 30_000,
].map((ms) => ms / 1000);

/** Everything the daemon reports on /metrics, in one registry per daemon (tests run several). */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly framesIn = new Counter({ name: 'recur_frames_in_total', help: 'Frames received, by source', labelNames: ['source'], registers: [this.registry] });
  readonly framesOut = new Counter({ name: 'recur_frames_out_total', help: 'Model outputs produced', registers: [this.registry] });
  readonly pointsWritten = new Counter({
    name: 'recur_points_written_total',
    help: 'Points acknowledged by a sink',
    labelNames: ['sink'],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'recur_errors_total',
    help: 'Rejected inputs and failures, by stable error code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'recur_dead_letters_total',
    help: 'Dead-letter copies kept (written, published) or lost (failed), by target',
    labelNames: ['target', 'outcome'],
    registers: [this.registry],
  });
  readonly sourceEvents = new Counter({
    name: 'recur_source_events_total',
    help: 'Reconnects, restarts and stalls, by source',
    labelNames: ['source', 'event'],
    registers: [this.registry],
  });
  readonly sinkBatchSeconds = new Histogram({
    name: 'recur_sink_batch_seconds',
    help: 'Time to write one batch, by sink',
    labelNames: ['sink'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly resultAgeSeconds = new Histogram({
    name: 'recur_result_age_seconds',
    help: 'Age of a result when its sink acknowledged it: now minus the frame timestamp, by sink',
    labelNames: ['sink'],
    buckets: RESULT_AGE_BUCKETS,
    registers: [this.registry],
  });
  readonly sinkQueueDepth = new Gauge({ name: 'recur_sink_queue_depth', help: 'Points waiting for a sink', labelNames: ['sink'], registers: [this.registry] });
  readonly stepSeconds = new Histogram({
    name: 'recur_model_step_seconds',
    help: 'Time of one batched model step',
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly stepBatch = new Histogram({
    name: 'recur_model_step_batch',
    help: 'Streams per model step',
    buckets: [1, 4, 16, 64, 256, 1024, 4096],
    registers: [this.registry],
  });
  readonly liveStreams = new Gauge({ name: 'recur_live_streams', help: 'Streams with recurrent state', registers: [this.registry] });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'recur_' });
  }
}
