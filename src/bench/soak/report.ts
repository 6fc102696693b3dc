/** The results of `recur bench soak` and their human-readable form. */

import type { FaultKind, FaultRecord } from './faults.js';
import type { RecurTotals } from './recur-lifetimes.js';
import type { CountSample, LogSample } from './sampler.js';
import type { RssSample, SegmentSlope } from './slope.js';
import type { StreamShortfall } from './stored.js';

export interface SoakSettings {
  seconds: number;
  streams: number;
  rate: number;
  faultEverySeconds: number;
  faultKinds: FaultKind[];
  influxOutageSeconds: number;
  sampleSeconds: number;
  /** Samples this long into each recur process's life are left out of the RSS slope. */
  warmupSeconds: number;
  /** Samples from an influx fault's start until this long after its end are left out of the RSS slope too. */
  outageSettleSeconds: number;
  snapshotEverySeconds: number;
}

export interface SoakReport {
  /** Frames the broker acknowledged (PUBACK) to the publisher. */
  published: number;
  /** Distinct points in InfluxDB at the end (counted per stream there). */
  written: number;
  faults: FaultRecord[];
  /** Weighted mean of the per-process RSS slopes (MB/h) after warm-up; null when too short to tell. */
  rssSlopeMbPerHour: number | null;
  /** Largest ingest-log size sampled, bytes. */
  maxLogBytes: number;
  /** published - written: 0 when nothing was lost (negative: points of frames never acknowledged). */
  lost: number;
  /** InfluxDB held every published frame before the drain time ran out. */
  drained: boolean;
  /** Frames the publisher sent but the broker had not acknowledged when it stopped (not in `published`). */
  unacked: number;
  /** Frames of the schedule not published because the broker did not take them in time. */
  skipped: number;
  /** recur's counters summed over its processes (a killed process counts as last scraped). */
  recur: RecurTotals;
  /** Exit code of the last recur process after SIGTERM (0: clean shutdown). */
  exitCode: number | null;
  rssSegments: SegmentSlope[];
  rss: RssSample[];
  logBytes: LogSample[];
  counts: CountSample[];
  /** When written != published: the streams furthest off. */
  shortfalls: StreamShortfall[];
  /** Warnings and errors recur logged (first few per process). */
  problems: string[];
  /** Kept work folder (pipeline, state, recur.log): with --keep, or when frames were lost. */
  workDir: string | null;
  settings: SoakSettings;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

/** Evenly spaced picks of a series, for a short table. */
function thin<T>(series: readonly T[], most: number): T[] {
  if (series.length <= most) return [...series];
  return Array.from({ length: most }, (_, i) => series[Math.round((i * (series.length - 1)) / (most - 1))]);
}

const errorCodes = (counts: Readonly<Record<string, number>>) => {
  const entries = Object.entries(counts);
  return entries.length === 0 ? '' : ` (${entries.map(([code, count]) => `${code} ${n(count)}`).join(', ')})`;
};

export function formatSoakReport(r: SoakReport): string[] {
  const { settings } = r;
  const lines = [
    `recur bench soak: ${n(settings.streams)} streams at ${n(settings.rate)} frames/s (QoS 1) for ${s(settings.seconds * 1000)}, a fault every ${settings.faultEverySeconds} s (${settings.faultKinds.join(', ')})`,
    '',
    `published ${n(r.published)}, written (distinct points in InfluxDB) ${n(r.written)}: ${r.lost === 0 ? 'equal' : `NOT equal, lost ${n(r.lost)}`}${r.drained ? '' : ' (drain timed out)'}`,
    `unacknowledged at stop ${n(r.unacked)}, skipped by the schedule ${n(r.skipped)}; recur exit code ${r.exitCode}`,
    `recur: ${r.recur.processes} process(es), ${n(r.recur.pointsWritten)} points written by the sink, ${n(r.recur.replayed)} replayed, ${n(r.recur.redelivered)} redelivered, ${n(r.recur.errors)} errors${errorCodes(r.recur.errorsByCode)}`,
    '',
    `faults (${r.faults.length}):`,
    ...r.faults.map((f) => `  ${s(f.tMs).padStart(7)}  ${f.kind.padEnd(6)}  over after ${(f.durationMs / 1000).toFixed(1)} s`),
    '',
    `RSS slope: ${r.rssSlopeMbPerHour === null ? 'n/a (run too short)' : `${r.rssSlopeMbPerHour.toFixed(1)} MB/h`} (per process, after ${settings.warmupSeconds} s warm-up, without influx outages + ${settings.outageSettleSeconds} s, weighted by time)`,
    ...r.rssSegments.map(
      (seg) => `  process ${seg.segment}: ${seg.mbPerHour.toFixed(1)} MB/h over ${(seg.hours * 60).toFixed(1)} min (${seg.samples} samples)`,
    ),
    `largest ingest log: ${n(r.maxLogBytes)} bytes`,
    '',
    '     time  RSS MB     log bytes',
  ];
  const logAt = new Map(r.logBytes.map((l) => [l.tMs, l.bytes]));
  for (const sample of thin(r.rss, 20))
    lines.push(`${s(sample.tMs).padStart(9)}${sample.mb.toFixed(1).padStart(8)}${n(logAt.get(sample.tMs) ?? 0).padStart(14)}`);
  for (const off of r.shortfalls) lines.push(`  stream ${off.stream}: expected ${n(off.expected)}, stored ${n(off.stored)}`);
  for (const problem of r.problems) lines.push(`  recur logged: ${problem}`);
  if (r.workDir) lines.push(`work folder kept: ${r.workDir}`);
  return lines;
}
