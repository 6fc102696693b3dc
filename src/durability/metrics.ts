import { Counter, Gauge, type Registry } from 'prom-client';

/** What the ingest log, snapshots and acknowledgements report on /metrics (in the daemon's registry). */
export class DurabilityMetrics {
  readonly logBytes: Gauge;
  readonly logPosition: Gauge;
  readonly sinkPosition: Gauge;
  readonly snapshotPosition: Gauge;
  readonly backpressure: Gauge;
  readonly backpressureEpisodes: Counter;
  readonly truncations: Counter;
  readonly droppedRecords: Counter;
  readonly snapshots: Counter;
  readonly replayed: Counter;
  readonly redelivered: Counter;
  readonly refused: Counter;
  readonly skipped: Counter;
  readonly evictedForgotten: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.logBytes = new Gauge({ name: 'recur_log_bytes', help: 'Bytes in the ingest log (on disk and buffered)', registers });
    this.logPosition = new Gauge({
      name: 'recur_log_position',
      help: 'Ingest-log positions: end (appended) and durable (fsynced)',
      labelNames: ['kind'],
      registers,
    });
    this.sinkPosition = new Gauge({
      name: 'recur_sink_log_position',
      help: 'Log position below which every result is written, by sink',
      labelNames: ['sink'],
      registers,
    });
    this.snapshotPosition = new Gauge({ name: 'recur_snapshot_log_position', help: 'Log position of the newest committed snapshot', registers });
    this.backpressure = new Gauge({
      name: 'recur_backpressure',
      help: '1 while acknowledgements are held back, by reason (log_full: maxLogBytes reached; pending: too many unwritten results)',
      labelNames: ['reason'],
      registers,
    });
    this.backpressureEpisodes = new Counter({
      name: 'recur_backpressure_episodes_total',
      help: 'Times acknowledgements started being held back, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.truncations = new Counter({
      name: 'recur_log_truncations_total',
      help: 'Torn or corrupt records cut off the ingest log at start-up, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.droppedRecords = new Counter({
      name: 'recur_log_dropped_records_total',
      help: 'Unprocessed records deleted because the log was full (whenFull: dropOldest only)',
      registers,
    });
    this.snapshots = new Counter({ name: 'recur_snapshots_total', help: 'State snapshots, by result', labelNames: ['result'], registers });
    this.replayed = new Counter({ name: 'recur_replayed_frames_total', help: 'Frames replayed from the ingest log at start-up', registers });
    this.redelivered = new Counter({
      name: 'recur_redelivered_frames_total',
      help: 'Frames at or before their stream last processed timestamp (broker redeliveries after a restart): acknowledged, not stepped again',
      registers,
    });
    this.refused = new Counter({
      name: 'recur_log_refused_frames_total',
      help: 'Frames not taken because the log was past its hard ceiling (MQTT QoS 1: redelivered later; QoS 0: lost)',
      registers,
    });
    this.evictedForgotten = new Counter({
      name: 'recur_evicted_streams_forgotten_total',
      help: 'Evicted streams whose last timestamp was forgotten (more than 100,000 remembered): a late redelivery for one would be stepped again',
      registers,
    });
    this.skipped = new Counter({
      name: 'recur_sink_skipped_points_total',
      help: 'Results of replayed frames a sink had written before the restart (its saved progress): not written again',
      labelNames: ['sink'],
      registers,
    });
  }
}
