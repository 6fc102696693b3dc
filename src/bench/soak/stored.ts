import type { InfluxdServer } from '../../testing/servers.js';

/** What a soak run finds in InfluxDB: points per stream of the bench measurement. */

type Answer = { results: { series?: { tags?: Record<string, string>; values: unknown[][] }[]; error?: string }[] };

export const MEASUREMENT = 'bench_forecast';

/**
 * Points stored per stream. InfluxDB keeps one point per series and timestamp (a rewrite replaces
 * it), so this counts distinct results: what an idempotent replay must leave behind.
 */
export async function storedPerStream(influx: InfluxdServer, database: string): Promise<Map<string, number>> {
  const answer = (await influx.query(database, `SELECT count("next") FROM ${MEASUREMENT} GROUP BY "stream"`)) as Answer;
  const error = answer.results[0]?.error;
  if (error) throw new Error(`counting points in ${database}: ${error}`);
  const counts = new Map<string, number>();
  for (const series of answer.results[0]?.series ?? []) counts.set(series.tags?.stream ?? '', Number(series.values[0]?.[1] ?? 0));
  return counts;
}

export async function storedTotal(influx: InfluxdServer, database: string): Promise<number> {
  let total = 0;
  for (const count of (await storedPerStream(influx, database)).values()) total += count;
  return total;
}

/**
 * Frames each stream got from the publisher: it publishes round robin, frame i on stream
 * `s<i mod streams>`, so after `published` frames stream s got ceil((published - s) / streams).
 */
export function expectedPerStream(published: number, streams: number): Map<string, number> {
  const expected = new Map<string, number>();
  for (let s = 0; s < streams; s++) expected.set(`s${s}`, Math.max(0, Math.ceil((published - s) / streams)));
  return expected;
}

export interface StreamShortfall {
  stream: string;
  expected: number;
  stored: number;
}

/** Streams whose stored count differs from what was published on them, largest difference first. */
export function shortfalls(expected: ReadonlyMap<string, number>, stored: ReadonlyMap<string, number>, limit = 20): StreamShortfall[] {
  const off: StreamShortfall[] = [];
  for (const [stream, n] of expected) {
    const got = stored.get(stream) ?? 0;
    if (got !== n) off.push({ stream, expected: n, stored: got });
  }
  return off.sort((a, b) => Math.abs(b.expected - b.stored) - Math.abs(a.expected - a.stored)).slice(0, limit);
}
