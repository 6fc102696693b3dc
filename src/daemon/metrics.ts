import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
