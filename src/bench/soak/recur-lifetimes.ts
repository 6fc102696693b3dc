import { RecurChild } from '../../testing/recur-child.js';
import { metricValue, type Sample } from '../e2e/prometheus.js';

/** Counters summed over every recur process of a soak run (Prometheus counters restart at 0 with each process). */
export interface RecurTotals {
  /** Processes started (1 + kills). */
  processes: number;
  /** Points the influx sink had acknowledged: with replays after a kill, more than InfluxDB holds. */
  pointsWritten: number;
  framesIn: number;
  /** Frames replayed from the ingest log at start-up, and broker redeliveries acknowledged without stepping again. */
  replayed: number;
  redelivered: number;
  /** Rejected frames and failures (recur_errors_total). */
  errors: number;
  /** The same, by error code: what a nonzero `errors` was. */
  errorsByCode: Record<string, number>;
}

type Counters = Omit<RecurTotals, 'processes'>;

const ZERO: Counters = { pointsWritten: 0, framesIn: 0, replayed: 0, redelivered: 0, errors: 0, errorsByCode: {} };

function byCode(samples: readonly Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== 'recur_errors_total') continue;
    const code = sample.labels.code ?? 'unknown';
    counts[code] = (counts[code] ?? 0) + sample.value;
  }
  return counts;
}

function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const sum = { ...a };
  for (const [code, count] of Object.entries(b)) sum[code] = (sum[code] ?? 0) + count;
  return sum;
}

function countersOf(samples: readonly Sample[]): Counters {
  return {
    pointsWritten: metricValue(samples, 'recur_points_written_total', { sink: 'influx' }),
    framesIn: metricValue(samples, 'recur_frames_in_total'),
    replayed: metricValue(samples, 'recur_replayed_frames_total'),
    redelivered: metricValue(samples, 'recur_redelivered_frames_total'),
    errors: metricValue(samples, 'recur_errors_total'),
    errorsByCode: byCode(samples),
  };
}

const add = (a: Counters, b: Counters): Counters => ({
  pointsWritten: a.pointsWritten + b.pointsWritten,
  framesIn: a.framesIn + b.framesIn,
  replayed: a.replayed + b.replayed,
  redelivered: a.redelivered + b.redelivered,
  errors: a.errors + b.errors,
  errorsByCode: addCounts(a.errorsByCode, b.errorsByCode),
});

/**
 * The `recur run` child of a soak run across kills: one pipeline file and state folder, a new
 * process (a new lifetime segment) after each SIGKILL. A killed process's counters count as last
 * scraped, just before the kill.
 */
export class RecurLifetimes {
  #current: RecurChild;
  #segment = 0;
  #past: Counters = ZERO;
  #last: Counters = ZERO;
  #problems: string[] = [];
  /** Between a kill and the new process: a late answer of the old one must not count again. */
  #restarting = false;

  private constructor(
    first: RecurChild,
    readonly pipeline: string,
    readonly cwd: string,
    readonly logFile: string,
  ) {
    this.#current = first;
  }

  static async start(pipeline: string, cwd: string, logFile: string): Promise<RecurLifetimes> {
    return new RecurLifetimes(await RecurLifetimes.#startChild(pipeline, cwd, logFile), pipeline, cwd, logFile);
  }

  /** Resolves once its MQTT source is subscribed (debug log): frames published earlier would be lost to a clean session. */
  static async #startChild(pipeline: string, cwd: string, logFile: string): Promise<RecurChild> {
    const recur = new RecurChild(pipeline, { cwd, logFile, logLevel: 'debug' });
    await recur.ready({ until: 'subscribed' });
    return recur;
  }

  get pid(): number {
    return this.#current.pid;
  }

  /** 0 for the first process, +1 with each restart. */
  get segment(): number {
    return this.#segment;
  }

  /** /metrics of the current process (undefined when it does not answer, e.g. while being killed). */
  async scrape(): Promise<Sample[] | undefined> {
    const process = this.#current;
    try {
      const samples = await process.scrape();
      if (process === this.#current && !this.#restarting) this.#last = countersOf(samples);
      return samples;
    } catch {
      return undefined;
    }
  }

  totals(): RecurTotals {
    return { processes: this.#segment + 1, ...add(this.#past, this.#last) };
  }

  /** Warnings and errors logged, first few of each process. */
  problems(): string[] {
    return [...this.#problems, ...this.#current.problems];
  }

  /** kill -9, then at once a new `recur run` on the same pipeline and state; resolves when it is subscribed. */
  async killAndRestart(): Promise<void> {
    await this.scrape();
    const old = this.#current;
    this.#restarting = true;
    old.kill();
    await old.exited;
    this.#past = add(this.#past, this.#last);
    this.#last = ZERO;
    this.#problems.push(...old.problems.slice(0, 5));
    try {
      this.#current = await RecurLifetimes.#startChild(this.pipeline, this.cwd, this.logFile);
      this.#segment++;
    } finally {
      this.#restarting = false;
    }
  }

  /** SIGTERM (drain, flush, snapshot); resolves with the exit code. */
  async stop(): Promise<number | null> {
    await this.scrape();
    return this.#current.stop();
  }

  kill(): void {
    this.#current.kill();
  }
}
