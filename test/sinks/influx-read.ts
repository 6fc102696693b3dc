import type { Point } from '../../src/point.js';
import { encodeTimestamp } from '../../src/sinks/line-protocol.js';
import type { InfluxdServer } from '../helpers/servers.js';

/** A point as InfluxDB gives it back: time in nanoseconds as text, so nothing is rounded. */
export interface StoredPoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, unknown>;
  ns: string;
}

interface QueryAnswer {
  results: { error?: string; series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[] }[];
}

/** RFC3339 with up to nine fraction digits -> nanoseconds since the epoch, exactly. */
function rfc3339ToNs(time: string): string {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(time);
  if (!match) throw new Error(`expected an RFC3339 time, received ${time}`);
  const seconds = BigInt(Date.parse(`${match[1]}Z`)) / 1000n;
  return (seconds * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'))).toString();
}

/** Every point of a database, each series with its exact tags (GROUP BY *), nulls dropped. */
export async function readAll(server: InfluxdServer, db: string): Promise<StoredPoint[]> {
  const answer = (await server.query(db, 'SELECT * FROM /.*/ GROUP BY *')) as QueryAnswer;
  const result = answer.results[0];
  if (result.error) throw new Error(`expected rows, received error ${result.error}`);
  const out: StoredPoint[] = [];
  for (const series of result.series ?? []) {
    for (const row of series.values) {
      const fields: Record<string, unknown> = {};
      series.columns.forEach((column, i) => {
        if (column !== 'time' && row[i] !== null) fields[column] = row[i];
      });
      const tags = Object.fromEntries(Object.entries(series.tags ?? {}).filter(([, v]) => v !== ''));
      out.push({ measurement: series.name, tags, fields, ns: rfc3339ToNs(row[0] as string) });
    }
  }
  return sortStored(out);
}

/** What InfluxDB should hold for these points. */
export function expected(points: readonly Point[]): StoredPoint[] {
  return sortStored(
    points.map((p) => ({
      measurement: p.measurement,
      tags: Object.fromEntries(Object.entries(p.tags).filter(([, v]) => v !== '')),
      fields: Object.fromEntries(Object.entries(p.fields).map(([k, v]) => [k, Object.is(v, -0) ? 0 : v])),
      ns: encodeTimestamp(p, 'ns'),
    })),
  );
}

function sortStored(points: StoredPoint[]): StoredPoint[] {
  const key = (p: StoredPoint) => JSON.stringify([p.measurement, p.ns, Object.entries(p.tags).sort()]);
  return points.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Waits for `condition`, polling every 20 ms, and fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`expected ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
