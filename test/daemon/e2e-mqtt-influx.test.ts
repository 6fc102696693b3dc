import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoPub as publish } from '../helpers/mosquitto-pub.js';
import { RecurChild, until } from '../helpers/recur-child.js';
import { type InfluxdServer, type MosquittoServer, startInfluxd, startMosquitto } from '../helpers/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-e2e-'));
const T0 = Date.UTC(2026, 5, 1);
const STEPS = 20;

type Series = { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] };
async function series(influx: InfluxdServer, q: string): Promise<Series[]> {
  const answer = (await influx.query('recur_e2e', q)) as { results: { series?: Series[] }[] };
  return answer.results[0]?.series ?? [];
}

describe('end to end: mosquitto_pub -> recur run -> influxd', () => {
  let mosquitto: MosquittoServer;
  let influx: InfluxdServer;
  let recur: RecurChild;
  let httpPort: number;

  beforeAll(async () => {
    [mosquitto, influx] = await Promise.all([startMosquitto(), startInfluxd()]);
    writeFileSync(
      join(dir, 'sensor.yaml'),
      'name: sensor\ntopic: plant/+/temp\nstreamSegment: 1\nformat: json\nfields: [temperature]\ntimestampField: ts\ntimestampUnit: ms\nqos: 1\n',
    );
    writeFileSync(
      join(dir, 'pipeline.yaml'),
      `name: e2e
sources:
  - type: mqtt
    options: { url: '${mosquitto.url}', devices: ['${join(dir, 'sensor.yaml')}'], clientId: recur-e2e, clean: false }
model: { path: fixtures/generated/demo-forecaster }
head: { type: forecast, measurement: temp_forecast, fields: [next] }
sinks:
  - type: influx
    options: { url: '${influx.url}', database: recur_e2e, createDatabase: true, flushIntervalMs: 50, deadLetterFile: '${join(dir, 'influx-dead.jsonl')}' }
    flushMs: 50
deadLetter: { file: '${join(dir, 'dead.jsonl')}' }
http: { port: 0 }
`,
    );
    recur = new RecurChild(join(dir, 'pipeline.yaml'));
    httpPort = await recur.ready();
  }, 90_000);

  afterAll(async () => {
    recur?.kill();
    await Promise.all([mosquitto?.stop(), influx?.dispose()]);
  });

  it('writes exactly the expected points; a bad stream beside them is dead-lettered', async () => {
    const payloads = (stream: number) =>
      Array.from({ length: STEPS }, (_, i) => JSON.stringify({ ts: T0 + i * 60_000, temperature: Math.sin(i / 3 + stream) }));
    await Promise.all([
      publish(mosquitto.port, 'plant/s1/temp', payloads(1)),
      publish(mosquitto.port, 'plant/s2/temp', payloads(2)),
      publish(mosquitto.port, 'plant/bad/temp', ['{"ts": 1, "temperature": "hot"}', 'not json', `{"ts": ${T0}, "temperature": 1e400}`]),
    ]);
    const counts = await until(async () => {
      const rows = await series(influx, 'SELECT count("next") FROM temp_forecast GROUP BY "stream"');
      const total = rows.reduce((n, s) => n + Number(s.values[0][1]), 0);
      return total >= 2 * STEPS ? rows : undefined;
    }, 'the points in InfluxDB');
    expect(Object.fromEntries(counts.map((s) => [s.tags?.stream, s.values[0][1]]))).toEqual({ s1: STEPS, s2: STEPS });
    const s1 = await series(influx, `SELECT "next" FROM temp_forecast WHERE "stream" = 's1'`);
    expect(s1[0].values.map((v) => Date.parse(String(v[0])))).toEqual(Array.from({ length: STEPS }, (_, i) => T0 + i * 60_000));
    const dead = await until(() => {
      const lines = existsSync(join(dir, 'dead.jsonl')) ? readFileSync(join(dir, 'dead.jsonl'), 'utf8').trim().split('\n') : [];
      return lines.length >= 3 ? lines.map((l) => JSON.parse(l)) : undefined;
    }, 'three dead letters');
    expect(dead.map((d) => d.code).sort()).toEqual(['RECUR_E_NON_FINITE', 'RECUR_E_NOT_A_NUMBER', 'RECUR_E_PARSE_JSON']);
    // The same three on /metrics, one each, and the good frames counted in and out.
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    for (const code of ['RECUR_E_NON_FINITE', 'RECUR_E_NOT_A_NUMBER', 'RECUR_E_PARSE_JSON']) expect(metrics).toContain(`recur_errors_total{code="${code}"} 1`);
    expect(metrics).toContain(`recur_frames_out_total ${2 * STEPS}`);
    expect(metrics).toContain('recur_sink_batch_seconds_count{sink="influx"}');
    const health = await (await fetch(`http://127.0.0.1:${httpPort}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', pipeline: 'e2e', streams: 2 });
  }, 60_000);

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await recur.stop()).toBe(0);
  }, 30_000);
});
