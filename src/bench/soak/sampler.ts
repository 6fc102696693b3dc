import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { rssMb } from '../e2e/proc-stats.js';
import { metricValue } from '../e2e/prometheus.js';
import type { Publisher } from '../e2e/publisher-process.js';
import type { RecurLifetimes } from './recur-lifetimes.js';
import type { RssSample } from './slope.js';

export interface LogSample {
  tMs: number;
  bytes: number;
}

export interface CountSample {
  tMs: number;
  /** Frames the broker acknowledged so far, and points recur's influx sink had written (summed over processes). */
  published: number;
  written: number;
}

/** Bytes of the files under `dir` (0 when it does not exist yet). */
export function folderBytes(dir: string): number {
  let bytes = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const path = join(dir, name);
    try {
      const stat = statSync(path);
      bytes += stat.isDirectory() ? folderBytes(path) : stat.size;
    } catch {
      // Deleted between the listing and the stat (a segment recur just released).
    }
  }
  return bytes;
}

/**
 * Every `everyMs` while running: the current recur process's RSS (from /proc; skipped while a
 * killed one is being replaced), the ingest log's size (recur_log_bytes, or the log folder on disk
 * when /metrics does not answer), and the counts so far. One sample at a time: a slow scrape delays
 * the next instead of piling up.
 */
export class SoakSampler {
  readonly rss: RssSample[] = [];
  readonly logBytes: LogSample[] = [];
  readonly counts: CountSample[] = [];
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(
    private readonly recur: RecurLifetimes,
    private readonly publisher: Publisher,
    private readonly logDir: string,
    private readonly began: number,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }

  /** The latest sample of each series, for progress. */
  latest(): { rssMb?: number; logBytes?: number; published: number; written: number } {
    const count = this.counts.at(-1);
    return { rssMb: this.rss.at(-1)?.mb, logBytes: this.logBytes.at(-1)?.bytes, published: count?.published ?? 0, written: count?.written ?? 0 };
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const next = performance.now() + this.everyMs;
      await this.sample();
      const wait = next - performance.now();
      if (wait <= 0 || !this.#running) continue;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, wait);
      });
    }
  }

  async sample(): Promise<void> {
    const tMs = Math.round(performance.now() - this.began);
    const { pid, segment } = this.recur;
    const mb = rssMb(pid);
    const metrics = await this.recur.scrape();
    // A publisher that failed shows when the run stops it; sampling goes on meanwhile.
    const count = await this.publisher.count().catch(() => undefined);
    // A process being replaced answers neither: its RSS would belong to no lifetime.
    if (mb !== undefined && metrics !== undefined && segment === this.recur.segment) this.rss.push({ tMs, mb: Number(mb.toFixed(1)), segment });
    const logged = metrics === undefined ? undefined : metrics.some((s) => s.name === 'recur_log_bytes') ? metricValue(metrics, 'recur_log_bytes') : undefined;
    this.logBytes.push({ tMs, bytes: logged ?? folderBytes(this.logDir) });
    if (count) this.counts.push({ tMs, published: count.acked, written: this.recur.totals().pointsWritten });
  }
}
