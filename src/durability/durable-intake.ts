import { join } from 'node:path';
import type { Logger as Pino } from 'pino';
import { Observable } from 'rxjs';
import { ErrorCodes, isRecurError, RecurError } from '../errors.js';
import type { Frame } from '../frame.js';
import type { Point } from '../point.js';
import type { StreamingModel } from '../rnn/engine/streaming-model.js';
import { lockDir } from './dir-lock.js';
import { EvictedStreams } from './evicted-streams.js';
import { decodeFrame, encodeFrame, IngestLog, type LogEvent, type WhenFull } from './ingest-log/index.js';
import { HEADER_BYTES } from './ingest-log/record.js';
import type { DurabilityMetrics } from './metrics.js';
import { type SinkPositions, SinkProgress } from './sink-progress.js';
import { SnapshotStore } from './snapshot-store.js';
import { Watermark } from './watermark.js';

export interface DurabilityOptions {
  /** Folder of the ingest log (`log/`) and the state snapshots (`snapshots/`). */
  dir: string;
  maxLogBytes: number;
  segmentBytes?: number;
  whenFull: WhenFull;
  commitIntervalMs: number;
  snapshotEveryMs: number;
  /** Results not yet written by every sink beyond this hold back acknowledgements (bounds memory in an outage). */
  maxPendingFrames: number;
}

/** Frames replayed per event-loop turn, so the model steps them in large batches without starving I/O. */
const REPLAY_CHUNK = 4096;
/** How often each sink's progress is saved: at most this much is written twice after a crash. */
const PROGRESS_EVERY_MS = 1000;

/** Where a restarted daemon picks up: what the newest good snapshot and the progress file say. */
interface Restored {
  /** Replay starts here: the snapshot's position (or the log's start without one). */
  readonly from: number;
  readonly cursors: Readonly<Record<string, readonly number[]>>;
  /** Streams evicted for idleness before the snapshot, with their last stepped timestamps. */
  readonly evicted: Readonly<Record<string, number>>;
  /** Each sink's saved progress, by sink index: replayed results below it are not written again. */
  readonly sinkWrote: readonly number[];
}

/** The frame with its log position; a literal, not a spread, because it runs once per frame. */
function withSeq(frame: Frame, seq: number): Frame {
  return { stream: frame.stream, t: frame.t, values: frame.values, seq, cursor: frame.cursor };
}

interface Capture {
  readonly position: number;
  readonly model: Uint8Array;
  readonly sources: Record<string, readonly number[]>;
  readonly evicted: Record<string, number>;
  readonly takenAt: string;
}

/**
 * Evicted streams whose last timestamp is remembered (see EvictedStreams). A Map of 100,000
 * 22-character ids to numbers took 119 bytes an entry in Node 20 (heapUsed after gc, before and
 * after filling it), so this holds about 12 MB at most.
 */
const MAX_EVICTED_STREAMS = 100_000;

/**
 * The daemon's reliability contract in one place: every accepted frame is appended to the ingest
 * log before it is stepped; acknowledgements wait for the log's group commit (and for room, when
 * the log is full or results pile up); the model's and each sink's progress through the log are
 * tracked; state snapshots are committed only once every sink has written every result the
 * snapshot reflects, so after a crash "restore, then replay the log from the snapshot" rewrites
 * exactly the results that might be missing, from exactly the state that produced them.
 */
export class DurableIntake {
  readonly #log: IngestLog;
  readonly #store: SnapshotStore;
  readonly #model: StreamingModel;
  readonly #options: DurabilityOptions;
  readonly #metrics: DurabilityMetrics;
  readonly #logger: Pino;
  readonly #sinkNames: readonly string[];
  readonly #modelMark: Watermark;
  readonly #sinkMarks: Watermark[];
  /** Where replay starts: the restored snapshot's position (or the log's start without one). */
  readonly replayFrom: number;
  #capture: Capture | undefined;
  #timer: NodeJS.Timeout | undefined;
  #waiters: (() => void)[] = [];
  #pressure: 'log_full' | 'pending' | undefined;
  /** Frames the full log refused: their message must not be acknowledged. */
  #refused = new WeakSet<Frame>();
  #refusing = false;
  /** The wait shared by the messages acknowledged in the current run of synchronous work (see acknowledge). */
  #turn: Promise<void> | undefined;
  /** Each replayable source's cursor as of the newest logged frame (file and WAV sources resume from it). */
  readonly #cursors: Map<string, readonly number[]>;
  readonly #sinkProgress: SinkProgress;
  readonly #sinkWrote: readonly number[];
  readonly #evicted: EvictedStreams;
  #unlock: () => void = () => {};

  private constructor(
    log: IngestLog,
    store: SnapshotStore,
    model: StreamingModel,
    options: DurabilityOptions,
    sinkNames: readonly string[],
    metrics: DurabilityMetrics,
    logger: Pino,
    restored: Restored,
  ) {
    this.#log = log;
    this.#store = store;
    this.#model = model;
    this.#options = options;
    this.#sinkNames = sinkNames;
    this.#metrics = metrics;
    this.#logger = logger;
    const from = restored.from;
    this.replayFrom = from;
    this.#cursors = new Map(Object.entries(restored.cursors));
    this.#sinkWrote = restored.sinkWrote;
    this.#evicted = new EvictedStreams(MAX_EVICTED_STREAMS, () => metrics.evictedForgotten.inc(), restored.evicted);
    this.#modelMark = new Watermark(from);
    this.#sinkMarks = sinkNames.map(() => new Watermark(from));
    this.#sinkProgress = new SinkProgress(join(options.dir, 'progress.json'), PROGRESS_EVERY_MS, (error) =>
      logger.warn({ err: error }, 'sink progress not saved; a restart rewrites a little more'),
    );
  }

  /**
   * Claims the folder (see lockDir), opens the log (cutting off a torn tail) and restores the
   * newest good snapshot into `model`.
   */
  static async open(
    options: DurabilityOptions,
    model: StreamingModel,
    sinkNames: readonly string[],
    metrics: DurabilityMetrics,
    logger: Pino,
  ): Promise<DurableIntake> {
    const unlock = lockDir(options.dir);
    try {
      const onEvent = (event: LogEvent) => DurableIntake.#report(event, metrics, logger);
      const log = await IngestLog.open({
        dir: join(options.dir, 'log'),
        maxBytes: options.maxLogBytes,
        segmentBytes: options.segmentBytes,
        whenFull: options.whenFull,
        commitIntervalMs: options.commitIntervalMs,
        onEvent,
      });
      const store = new SnapshotStore(join(options.dir, 'snapshots'));
      const { from, cursors, evicted } = DurableIntake.#restoreNewest(store, log.startPosition, model, metrics, logger);
      const saved = SinkProgress.load(join(options.dir, 'progress.json'));
      if (saved.error) logger.warn({ err: saved.error }, 'sink progress file unreadable: replayed results are all written again');
      const sinkWrote = sinkNames.map((name) => Math.max(from, saved.positions[name] ?? 0));
      if (sinkWrote.some((position) => position > from))
        logger.info({ sinks: saved.positions, replayFrom: from }, 'sinks skip replayed results they already wrote');
      const intake = new DurableIntake(log, store, model, options, sinkNames, metrics, logger, { from, cursors, evicted, sinkWrote });
      intake.#updateGauges();
      intake.#unlock = unlock;
      return intake;
    } catch (error) {
      unlock();
      throw error;
    }
  }

  /** Restores the newest snapshot the log still covers and the model accepts; where replay starts, and the cursors then. */
  static #restoreNewest(store: SnapshotStore, logStart: number, model: StreamingModel, metrics: DurabilityMetrics, logger: Pino): Omit<Restored, 'sinkWrote'> {
    const corrupt = (file: string, error: unknown) => {
      metrics.snapshots.inc({ result: 'corrupt' });
      logger.error({ file, err: error, code: 'RECUR_E_SNAPSHOT' }, 'snapshot corrupt; falling back to the one before');
    };
    for (const snapshot of store.newestFirst(corrupt)) {
      if (snapshot.meta.position < logStart) {
        logger.warn({ file: snapshot.file, position: snapshot.meta.position, logStart }, 'snapshot older than the log; skipped');
        continue;
      }
      try {
        model.restore(snapshot.model);
      } catch (error) {
        metrics.snapshots.inc({ result: 'refused' });
        logger.error({ file: snapshot.file, err: error }, 'snapshot refused by the model; falling back to the one before');
        continue;
      }
      metrics.snapshotPosition.set(snapshot.meta.position);
      logger.info({ file: snapshot.file, position: snapshot.meta.position, streams: model.streamCount }, 'restored state snapshot');
      return { from: snapshot.meta.position, cursors: snapshot.meta.sources ?? {}, evicted: snapshot.meta.evicted ?? {} };
    }
    if (logStart > 0) logger.warn({ logStart }, 'no usable snapshot: replaying the whole log from zero state');
    return { from: logStart, cursors: {}, evicted: {} };
  }

  static #report(event: LogEvent, metrics: DurabilityMetrics, logger: Pino): void {
    switch (event.kind) {
      case 'truncated':
        metrics.truncations.inc({ reason: event.reason });
        logger.error({ ...event, code: 'RECUR_E_LOG_CORRUPT' }, 'ingest log: torn or corrupt tail cut off; starting from the last good record');
        return;
      case 'dropped':
        metrics.droppedRecords.inc(event.records);
        logger.warn({ ...event }, 'ingest log full: oldest unprocessed records dropped (whenFull: dropOldest)');
        return;
      case 'full':
        logger.warn({ ...event }, 'ingest log full: holding back acknowledgements until results are written');
        return;
      case 'space':
        logger.info({ ...event }, 'ingest log below its limit again');
        return;
    }
  }

  /** Records logged before the last restart that the restored state does not reflect, as frames, in order. */
  replay(): Observable<Frame> {
    return new Observable<Frame>((subscriber) => {
      const records = this.#log.read(this.replayFrom)[Symbol.iterator]();
      let stopped = false;
      let count = 0;
      const pump = async () => {
        for (;;) {
          while (!stopped && this.#backlog() > this.#options.maxPendingFrames) await this.#progress();
          if (stopped) return;
          for (let i = 0; i < REPLAY_CHUNK; i++) {
            const next = records.next();
            if (next.done) {
              if (count > 0) this.#logger.info({ frames: count, from: this.replayFrom }, 'replayed the ingest log');
              subscriber.complete();
              return;
            }
            const { position, payload } = next.value;
            const end = position + HEADER_BYTES + payload.length;
            this.#track(position, end);
            count++;
            this.#metrics.replayed.inc();
            const frame = decodeFrame(payload);
            if (frame.cursor) this.#cursors.set(frame.cursor.source, frame.cursor.at);
            subscriber.next(withSeq(frame, position));
          }
          // Let the model step this chunk and the sinks take it before reading on.
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      pump().catch((error) => subscriber.error(error));
      return () => {
        stopped = true;
      };
    });
  }

  /**
   * Logs a live frame and returns it with its log position, or undefined when the frame is at or
   * before its stream's last stepped timestamp: a broker redelivering what was already logged
   * before a restart (acknowledged, not stepped again).
   */
  admit(frame: Frame): Frame | undefined {
    let last = this.#model.lastTimestamp(frame.stream);
    if (last === undefined && this.#evicted.size > 0) {
      last = this.#evicted.lastTimestamp(frame.stream);
      if (last !== undefined && frame.t > last) this.#evicted.returned(frame.stream);
    }
    if (last !== undefined && frame.t <= last) {
      this.#metrics.redelivered.inc();
      return undefined;
    }
    if (this.#refusing) {
      // Everything after a refused frame is refused too until there is room again: a later
      // frame of the same stream taken now would make the refused one, redelivered, look stepped.
      if (this.#log.full) return this.#refuse(frame);
      this.#refusing = false;
    }
    let position: number;
    try {
      position = this.#log.append(encodeFrame(frame));
    } catch (error) {
      // Past the log's hard ceiling (a source that cannot be held back, like QoS 0 or a file):
      // the frame is not taken, and an MQTT message carrying it is never acknowledged.
      if (!isRecurError(error) || error.code !== 'RECUR_E_LOG_FULL') throw error;
      this.#refusing = true;
      return this.#refuse(frame);
    }
    this.#track(position, this.#log.endPosition);
    if (frame.cursor) this.#cursors.set(frame.cursor.source, frame.cursor.at);
    return withSeq(frame, position);
  }

  /** Where `source` read to, as of the newest frame it logged (complete once `replay()` has). */
  cursor(source: string): readonly number[] | undefined {
    return this.#cursors.get(source);
  }

  /**
   * undefined when a source that cannot be held back by withholding acknowledgements (a file)
   * may read on; else a promise that resolves when the log has room and results stopped piling up.
   */
  room(): Promise<void> | undefined {
    if (!this.#log.full && this.#backlog() <= this.#options.maxPendingFrames) return undefined;
    return this.#durableWithRoom();
  }

  #refuse(frame: Frame): undefined {
    this.#refused.add(frame);
    this.#metrics.refused.inc();
    return undefined;
  }

  #track(position: number, end: number): void {
    this.#modelMark.add(position, end);
    for (const mark of this.#sinkMarks) mark.add(position, end);
  }

  /**
   * Resolves when everything admitted so far is fsynced and there is room for more: the MQTT
   * source sends a PUBACK only then. While the log is full or results pile up, it waits. Rejects
   * at once (synchronously) when the log refused one of `frames`, so the source drops the
   * connection before taking another message; the broker then redelivers this one.
   */
  acknowledge(frames: readonly Frame[]): Promise<void> {
    if (frames.some((frame) => this.#refused.has(frame))) {
      throw new RecurError(ErrorCodes.LOG_FULL, 'ingest log past its ceiling: expected room for the frames of this message, found none');
    }
    // mqtt.js hands over the packets of one socket read one after another (process.nextTick), before
    // any promise callback runs: those messages share one wait, so a commit resolves one flush waiter
    // (and backpressure wakes one waiter) per read instead of one per message. The flush starts in a
    // microtask after the run, so it covers the frames of every message that joined it.
    this.#turn ??= Promise.resolve().then(() => {
      this.#turn = undefined;
      return this.#durableWithRoom();
    });
    return this.#turn;
  }

  async #durableWithRoom(): Promise<void> {
    await this.#log.flush();
    for (;;) {
      const reason = this.#log.full ? 'log_full' : this.#backlog() > this.#options.maxPendingFrames ? 'pending' : undefined;
      this.#setPressure(reason);
      if (!reason) return;
      if (reason === 'log_full') this.#snapshotSoon();
      await this.#progress();
    }
  }

  #setPressure(reason: 'log_full' | 'pending' | undefined): void {
    if (reason === this.#pressure) return;
    if (this.#pressure) this.#metrics.backpressure.set({ reason: this.#pressure }, 0);
    if (reason) {
      this.#metrics.backpressure.set({ reason }, 1);
      this.#metrics.backpressureEpisodes.inc({ reason });
      this.#logger.warn({ reason, logBytes: this.#log.sizeBytes, backlog: this.#backlog() }, 'holding back acknowledgements');
    } else {
      this.#logger.info('acknowledging again');
    }
    this.#pressure = reason;
  }

  #backlog(): number {
    let most = 0;
    for (const mark of this.#sinkMarks) most = Math.max(most, mark.backlog);
    return most;
  }

  /** Resolves at the next progress: a sink wrote, the log shrank. */
  #progress(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** The model evicted `stream` for idleness: its last timestamp is remembered, so a late redelivery is not stepped again. */
  evicted(stream: string, lastT: number | undefined): void {
    if (lastT !== undefined) this.#evicted.remember(stream, lastT);
  }

  /** The model stepped this frame (its state now reflects it). */
  stepped(frame: Frame): void {
    if (frame.seq !== undefined) this.#modelMark.finish(frame.seq);
  }

  /** The model refused this frame: nothing will be written for it. */
  rejected(frame: Frame): void {
    if (frame.seq === undefined) return;
    this.#modelMark.finish(frame.seq);
    for (const mark of this.#sinkMarks) mark.finish(frame.seq);
    this.#wake();
  }

  /** Sink `index` has written (or dead-lettered) these points. */
  written(index: number, points: readonly Point[]): void {
    const mark = this.#sinkMarks[index];
    for (const point of points) if (point.seq !== undefined) mark.finish(point.seq);
    this.#metrics.sinkPosition.set({ sink: this.#sinkNames[index] }, mark.value);
    this.#sinkProgress.update(this.#sinkPositions());
    this.#commitIfReady();
    this.#wake();
  }

  /**
   * True for a replayed result that sink `index` wrote before the restart (below its saved
   * progress): it counts as written and is not sent again.
   */
  alreadyWritten(index: number, point: Point): boolean {
    if (point.seq === undefined || point.seq >= this.#sinkWrote[index]) return false;
    this.#sinkMarks[index].finish(point.seq);
    this.#metrics.skipped.inc({ sink: this.#sinkNames[index] });
    this.#wake(); // a replay held back by the backlog may go on
    return true;
  }

  #sinkPositions(): SinkPositions {
    return Object.fromEntries(this.#sinkNames.map((name, i) => [name, this.#sinkMarks[i].value]));
  }

  /** Starts periodic snapshots. */
  start(): void {
    this.#timer = setInterval(() => {
      this.#captureIfIdle();
      this.#commitIfReady();
      this.#updateGauges();
    }, this.#options.snapshotEveryMs);
    this.#timer.unref();
  }

  #snapshotSoon(): void {
    this.#captureIfIdle();
    this.#commitIfReady();
  }

  /** Captures the state when the model has stepped everything admitted (then it reflects exactly the records below the mark). */
  #captureIfIdle(): void {
    if (this.#capture || this.#modelMark.backlog > 0) return;
    const position = this.#modelMark.value;
    const committed = this.#store.positions()[0];
    if (committed !== undefined && position <= committed) return;
    this.#capture = {
      position,
      model: this.#model.snapshot(),
      sources: Object.fromEntries(this.#cursors),
      evicted: this.#evicted.toRecord(),
      takenAt: new Date().toISOString(),
    };
  }

  /** Writes the captured snapshot once every sink has written everything below its position and the log is durable there. */
  #commitIfReady(): void {
    const capture = this.#capture;
    if (!capture) return;
    if (this.#log.durablePosition < capture.position) return;
    if (this.#sinkMarks.some((mark) => mark.value < capture.position)) return;
    this.#capture = undefined;
    try {
      this.#store.save(
        { position: capture.position, sinks: this.#sinkPositions(), sources: capture.sources, evicted: capture.evicted, takenAt: capture.takenAt },
        capture.model,
      );
    } catch (error) {
      this.#metrics.snapshots.inc({ result: 'failed' });
      this.#logger.error({ err: error }, 'state snapshot not written; the log is kept from the previous one');
      return;
    }
    this.#metrics.snapshots.inc({ result: 'written' });
    this.#metrics.snapshotPosition.set(capture.position);
    this.#retain();
  }

  /**
   * Deletes log segments nobody needs: below every sink's position and below the oldest kept
   * snapshot (so a corrupt newest one can fall back). When the log is full, the newest snapshot
   * is enough, and older snapshots whose log is gone are deleted with it.
   */
  #retain(): void {
    const positions = this.#store.positions();
    if (positions.length === 0) return;
    const floor = this.#log.full ? positions[0] : positions[positions.length - 1];
    const cutoff = Math.min(floor, ...this.#sinkMarks.map((mark) => mark.value));
    this.#log.deleteBelow(cutoff);
    this.#store.dropOlderThan(this.#log.startPosition);
    this.#updateGauges();
    this.#wake();
  }

  #updateGauges(): void {
    this.#metrics.logBytes.set(this.#log.sizeBytes);
    this.#metrics.logPosition.set({ kind: 'end' }, this.#log.endPosition);
    this.#metrics.logPosition.set({ kind: 'durable' }, this.#log.durablePosition);
  }

  /** After the drain: a final snapshot (everything is written by then), retention, and the log closed. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#log.flush();
    this.#capture = undefined;
    this.#captureIfIdle();
    this.#commitIfReady();
    const uncommitted = this.#capture as Capture | undefined;
    if (uncommitted) {
      this.#logger.warn({ position: uncommitted.position }, 'final snapshot not committed: some results are unwritten; they are replayed at the next start');
    }
    this.#updateGauges();
    this.#sinkProgress.update(this.#sinkPositions());
    await this.#sinkProgress.close();
    await this.#log.close();
    this.#unlock();
    this.#wake();
  }
}
