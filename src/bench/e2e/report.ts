/** The results of `recur bench e2e` and their human-readable form. */

export interface E2eRun {
  streams: number;
  /** Points InfluxDB acknowledged per second during the measured window: what recur sustained. */
  framesPerSec: number;
  /** Publish -> InfluxDB write acknowledged, over the points acknowledged in the window (from recur's histogram). */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Largest resident memory of the recur process during the window. */
  rssMb: number;
  /** Frames per second the publisher asked for, and what it actually published in the window. */
  targetRate: number;
  offeredPerSec: number;
  /** Written kept pace with published during the window (>= 97%): latency is then steady, not growing. */
  keptUp: boolean;
  /** Frames published but not yet written, at the window's start and end (steady when recur keeps up). */
  backlog: { start: number; end: number };
  /** Frames per second the publisher could not publish (the broker did not take them): offered < target then. */
  skippedPerSec: number;
  meanMs: number | null;
  windowSeconds: number;
  qos: 0 | 1;
  /** Whether recur ran with the ingest log. */
  durable: boolean;
  /** Whole run, warm-up included: frames published, points written by recur, and stored in InfluxDB (counted there). */
  published: number;
  written: number;
  stored: number | null;
  /** Rejected frames (recur_errors_total): none expected. */
  errors: number;
  /** Whether every published frame was written before the bench stopped recur. */
  drained: boolean;
  /** CPU cores each process used during the window (1 = a whole core). */
  cpuCores: Record<string, number>;
  /** Warnings and errors recur logged (first few). */
  problems: string[];
}

export interface E2eReport {
  runs: E2eRun[];
  /** With --find-max: per stream count, the highest rate recur sustained (null: none of the rates tried). */
  maxSustained?: { streams: number; framesPerSec: number | null; targetRate: number | null }[];
  target: { streams: number; framesPerSec: number; p99Ms: number; met: boolean | null };
  environment: { node: string; cpus: number; model: string; kernel: string };
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number | null) => (value === null ? 'n/a' : value.toFixed(1));

export function formatReport(report: E2eReport): string[] {
  const first = report.runs[0];
  const lines = [
    `recur bench e2e: publisher -> mosquitto -> recur run (${report.environment.model}, ${report.environment.kernel}) -> influxd, QoS ${first?.qos ?? '?'}, ${report.environment.cpus} CPUs`,
    '',
    ` streams   target/s  offered/s   frames/s  p50 ms  p99 ms  mean ms  RSS MB  kept up  drained  CPU cores (${Object.keys(first?.cpuCores ?? {}).join('/')})`,
  ];
  for (const r of report.runs) {
    lines.push(
      [
        n(r.streams).padStart(8),
        n(r.targetRate).padStart(11),
        n(r.offeredPerSec).padStart(10),
        n(r.framesPerSec).padStart(10),
        ms(r.p50Ms).padStart(7),
        ms(r.p99Ms).padStart(7),
        ms(r.meanMs).padStart(8),
        r.rssMb.toFixed(0).padStart(7),
        (r.keptUp ? 'yes' : 'no').padStart(8),
        (r.drained ? 'yes' : 'no').padStart(8),
        ` ${Object.values(r.cpuCores)
          .map((c) => c.toFixed(2))
          .join('/')}`,
      ].join(''),
    );
  }
  for (const r of report.runs) {
    const stored = r.stored === null ? '' : `, ${n(r.stored)} stored in InfluxDB`;
    lines.push(`${n(r.streams)} streams: ${n(r.published)} published, ${n(r.written)} written${stored}, ${r.errors} rejected (whole run)`);
    for (const problem of r.problems) lines.push(`  recur logged: ${problem}`);
  }
  for (const max of report.maxSustained ?? []) {
    const found = max.framesPerSec === null ? 'none of the rates tried' : `${n(max.framesPerSec)} frames/s (offered ${n(max.targetRate ?? 0)}/s)`;
    lines.push(`highest sustained with ${n(max.streams)} streams (kept up, p99 < ${report.target.p99Ms} ms): ${found}`);
  }
  const { target } = report;
  const verdict = target.met === null ? 'not measured' : target.met ? 'met' : 'not met';
  lines.push(`target: >= ${n(target.framesPerSec)} frames/s with ${n(target.streams)} streams and p99 < ${target.p99Ms} ms: ${verdict}`);
  return lines;
}
