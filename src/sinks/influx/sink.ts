import { ErrorCodes } from '../../errors.js';
import type { Point } from '../../point.js';
import { fullJitter, sleep } from '../../util/backoff.js';
import { DeadLetterFile } from '../dead-letter.js';
import { choosePrecision, encodePoint, encodeTimestamp, type Precision } from '../line-protocol.js';
import { isSinkError, type Sink, SinkError } from '../types.js';
import { type InfluxSinkConfig, type InfluxSinkOptions, parseInfluxConfig, readAuthorization } from './config.js';
import { InfluxHttp } from './http.js';
import { bisectRefused, namedInMessage, type Refused, type SentLine } from './partial.js';

/** Settles one write() call once every one of its points is written or dead-lettered. */
class Ticket {
  #remaining: number;
  #settled = false;
  readonly promise: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: Error) => void;

  constructor(points: number) {
    this.#remaining = points;
    this.promise = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  done(points: number): void {
    this.#remaining -= points;
    if (this.#remaining <= 0 && !this.#settled) {
      this.#settled = true;
      this.#resolve();
    }
  }

  fail(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }
}

interface Entry {
  readonly point: Point;
  /** The line without its timestamp: the precision is chosen per batch. */
  readonly body: string;
  readonly ticket: Ticket;
}

/**
 * Writes points to InfluxDB 1.x.
 *
 * Guarantees: write() resolves once each of its points is stored in InfluxDB or copied to the
 * dead-letter file with the reason (and counted); it rejects with a retryable SinkError only when
 * a batch still fails after `maxRetries` retries, and then nothing of that batch is dropped
 * silently: the caller still holds it. Batches go out in order, one at a time, when `batchSize`
 * points wait or `flushIntervalMs` after the first one. 5xx answers, refused connections and
 * timeouts are retried with exponential backoff and full jitter; a 4xx never is. A `partial
 * write` answer (influxd stored the rest) dead-letters just the dropped lines. Points are
 * idempotent (same series and time overwrite), so sending a batch twice is harmless.
 */
export class InfluxSink implements Sink {
  readonly name: string;
  readonly config: InfluxSinkConfig;
  readonly #deadLetter: DeadLetterFile;
  readonly #random: () => number;
  #http: InfluxHttp | undefined;
  #needsDatabase = false;
  #queue: Entry[] = [];
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  #flushAll = false;
  #closed = false;
  #pointsWritten = 0;
  #batchesRetried = 0;
  #retries = 0;
  #pointsDeadLettered = 0;

  constructor(options: InfluxSinkOptions, random: () => number = Math.random) {
    this.config = parseInfluxConfig(options);
    this.name = this.config.name;
    this.#deadLetter = new DeadLetterFile(this.config.deadLetterFile);
    this.#random = random;
  }

  /** Points InfluxDB stored. */
  get pointsWritten(): number {
    return this.#pointsWritten;
  }
  /** Batches that needed at least one retry. */
  get batchesRetried(): number {
    return this.#batchesRetried;
  }
  /** Retries of all batches. */
  get retries(): number {
    return this.#retries;
  }
  /** Points copied to the dead-letter file (refused by InfluxDB or by the encoder). */
  get pointsDeadLettered(): number {
    return this.#pointsDeadLettered;
  }
  /** Points waiting or in flight. */
  get queueDepth(): number {
    return this.#queue.length + this.#inFlight;
  }

  async open(): Promise<void> {
    const { config } = this;
    this.#http = new InfluxHttp({
      sink: this.name,
      url: config.url.replace(/\/+$/, ''),
      database: config.database,
      retentionPolicy: config.retentionPolicy,
      authorization: readAuthorization(config),
      requestTimeoutMs: config.requestTimeoutMs,
    });
    if (!config.createDatabase) return;
    try {
      await this.#http.createDatabase();
    } catch (error) {
      // InfluxDB away at start is an outage to absorb, not a reason to refuse to start.
      if (!isSinkError(error) || !error.retryable) throw error;
      this.#needsDatabase = true;
    }
  }

  async write(batch: readonly Point[]): Promise<void> {
    if (this.#http === undefined || this.#closed) {
      throw new SinkError(
        ErrorCodes.SINK_UNAVAILABLE,
        `sink '${this.name}': expected an open sink, received a write ${this.#closed ? 'after close()' : 'before open()'}`,
        {
          sink: this.name,
        },
      );
    }
    if (batch.length === 0) return;
    const ticket = new Ticket(batch.length);
    const unencodable: { point: Point; error: SinkError }[] = [];
    for (const point of batch) {
      try {
        const line = encodePoint(point, { precision: 'ms', integers: this.config.integerFields });
        this.#queue.push({ point, body: line.slice(0, line.lastIndexOf(' ')), ticket });
      } catch (error) {
        if (!isSinkError(error)) throw error;
        unencodable.push({ point, error });
      }
    }
    this.#schedule();
    if (unencodable.length > 0) {
      try {
        await this.#deadLetter.append(unencodable.map(({ point, error }) => ({ sink: this.name, code: error.code, message: error.message, point })));
      } catch (error) {
        ticket.fail(this.#deadLetterFailed(error));
        return ticket.promise;
      }
      this.#pointsDeadLettered += unencodable.length;
      ticket.done(unencodable.length);
    }
    return ticket.promise;
  }

  /** Sends what is queued now, retrying as configured; resolves when the queue is empty. */
  async flush(): Promise<void> {
    while (this.queueDepth > 0) await this.#drain(true);
  }

  /** Flushes everything queued first, with retries: with InfluxDB away this waits for the retries to run out. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#queue.length >= this.config.batchSize) {
      void this.#drain(false);
    } else if (this.#queue.length > 0 && this.#timer === undefined && this.#draining === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.#drain(true);
      }, this.config.flushIntervalMs);
    }
  }

  #drain(all: boolean): Promise<void> {
    this.#flushAll ||= all;
    this.#draining ??= this.#loop().finally(() => {
      this.#draining = undefined;
      this.#schedule();
    });
    return this.#draining;
  }

  async #loop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const { batchSize } = this.config;
    while (this.#queue.length >= batchSize || (this.#flushAll && this.#queue.length > 0)) {
      const entries = this.#queue.splice(0, batchSize);
      this.#inFlight = entries.length;
      try {
        await this.#send(entries);
      } catch (error) {
        // Only a failure to write the dead-letter file lands here: the caller must keep the points.
        const failure = this.#deadLetterFailed(error);
        for (const entry of entries) entry.ticket.fail(failure);
      } finally {
        this.#inFlight = 0;
      }
    }
    this.#flushAll = false;
  }

  async #send(entries: readonly Entry[]): Promise<void> {
    const http = this.#http!;
    const precision = choosePrecision(entries.map((entry) => entry.point));
    const sent: SentLine[] = entries.map(({ point, body }) => ({ point, line: `${body} ${encodeTimestamp(point, precision)}` }));
    for (let attempt = 0; ; attempt++) {
      let refused: Refused[];
      try {
        if (this.#needsDatabase) {
          await http.createDatabase();
          this.#needsDatabase = false;
        }
        refused = await this.#writeOnce(http, sent, precision);
      } catch (error) {
        if (!isSinkError(error)) throw error;
        if (!error.retryable) {
          // A 4xx for the whole batch: retrying the same request cannot help.
          const message = error.serverMessage ?? error.message;
          refused = sent.map((line) => ({ ...line, message }));
          await this.#deadLetterRefused(refused, error.details.status as number | undefined);
          for (const entry of entries) entry.ticket.done(1);
          return;
        }
        if (attempt >= this.config.maxRetries) {
          for (const entry of entries) entry.ticket.fail(error);
          return;
        }
        if (attempt === 0) this.#batchesRetried++;
        this.#retries++;
        await sleep(fullJitter(attempt, { baseMs: this.config.backoffBaseMs, capMs: this.config.backoffCapMs }, this.#random));
        continue;
      }
      await this.#deadLetterRefused(refused, 400);
      this.#pointsWritten += sent.length - refused.length;
      for (const entry of entries) entry.ticket.done(1);
      return;
    }
  }

  /** One write of the batch; for a partial write, the lines influxd dropped. */
  async #writeOnce(http: InfluxHttp, sent: readonly SentLine[], precision: Precision): Promise<Refused[]> {
    const join = (lines: readonly SentLine[]) => lines.map((s) => s.line).join('\n');
    const outcome = await http.write(join(sent), precision);
    if (outcome.kind === 'written') return [];
    const named = namedInMessage(outcome.message, outcome.dropped, sent, this.config.integerFields);
    if (named) return named.map((line) => ({ ...line, message: outcome.message }));
    return bisectRefused(sent, outcome.message, async (lines) => {
      try {
        return await http.write(join(lines), precision);
      } catch (error) {
        if (isSinkError(error) && !error.retryable) return { kind: 'rejected', message: error.serverMessage ?? error.message };
        throw error;
      }
    });
  }

  #deadLetterFailed(cause: unknown): SinkError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new SinkError(
      ErrorCodes.SINK_UNAVAILABLE,
      `sink '${this.name}': expected to record refused points in ${this.#deadLetter.path}, received ${reason}`,
      { sink: this.name },
      { cause },
    );
  }

  async #deadLetterRefused(refused: readonly Refused[], status: number | undefined): Promise<void> {
    if (refused.length === 0) return;
    const byMessage = new Map<string, string[]>();
    for (const { message, line } of refused) {
      const lines = byMessage.get(message);
      if (lines) lines.push(line);
      else byMessage.set(message, [line]);
    }
    await this.#deadLetter.append(
      [...byMessage].map(([message, lines]) => ({
        sink: this.name,
        code: ErrorCodes.SINK_REJECTED,
        message,
        ...(status === undefined ? {} : { status }),
        lines,
      })),
    );
    this.#pointsDeadLettered += refused.length;
  }
}
