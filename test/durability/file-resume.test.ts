import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StreamingModel } from '../../src/rnn/engine/streaming-model.js';
import { killRecurChildren, RecurChild, root, until } from '../helpers/recur-child.js';
import { type InfluxdServer, startInfluxd } from '../helpers/servers.js';

/**
 * A file source under the ingest log: `recur run` replays a CSV at a steady pace into influxd,
 * is killed with SIGKILL part-way, and started again. The second run must resume the file where
 * the first one's log ends (not read it again from the top), and InfluxDB must end up holding
 * exactly the forecasts of an uninterrupted run.
 */

const MODEL = join(root, 'fixtures/generated/demo-forecaster');
const T0 = Date.UTC(2026, 0, 1);
const STREAMS = 20;
const ROUNDS = 200;
const STEP_MS = 1000;
const stream = (s: number) => `m${String(s).padStart(2, '0')}`;
const value = (s: number, k: number) => (Math.sin(k / 9 + s) + 0.05 * s).toFixed(4);

type Series = { tags?: Record<string, string>; values: [string, number][] };

afterEach(killRecurChildren);

describe('durability: a file source resumes after a crash (real influxd)', () => {
  let influx: InfluxdServer;
  const dir = mkdtempSync(join(tmpdir(), 'recur-file-resume-'));
  const csv = join(dir, 'meters.csv');
  const pipeline = join(dir, 'pipeline.yaml');

  beforeAll(async () => {
    influx = await startInfluxd();
    let text = 'ts,meter,v\n';
    for (let k = 0; k < ROUNDS; k++) for (let s = 0; s < STREAMS; s++) text += `${T0 + k * STEP_MS},${stream(s)},${value(s, k)}\n`;
    writeFileSync(csv, text);
    // 200 s of data at 25x real time: about 8 s of replay, so a kill at 3 s lands in the middle.
    writeFileSync(
      pipeline,
      `name: file-resume
sources:
  - type: file
    options: { path: '${csv}', format: csv, timestampField: ts, timestampUnit: ms, stream: { column: meter }, fields: [v], speed: 25 }
model: { path: '${MODEL}', kernel: wasm }
head: { type: forecast, measurement: forecast }
sinks:
  - type: influx
    options: { url: '${influx.url}', database: resume, createDatabase: true }
    flushMs: 100
deadLetter: { file: '${join(dir, 'dead.jsonl')}' }
http: { port: 0 }
durability: { dir: '${join(dir, 'state')}', snapshotEverySeconds: 1 }
`,
    );
  }, 90_000);

  afterAll(async () => {
    await influx?.dispose();
  });

  /** What an uninterrupted run writes: stream@t -> forecast. */
  async function reference(): Promise<Map<string, number>> {
    const model = await StreamingModel.load(MODEL, { kernel: 'wasm' });
    const expected = new Map<string, number>();
    for (let k = 0; k < ROUNDS; k++) {
      for (let s = 0; s < STREAMS; s++) {
        expected.set(`${stream(s)}@${T0 + k * STEP_MS}`, model.step([stream(s)], Float32Array.of(Number(value(s, k))))[0]);
      }
    }
    return expected;
  }

  it('SIGKILL part-way, started again: reads on from the logged cursor and writes exactly the uninterrupted forecasts', async () => {
    const first = new RecurChild(pipeline);
    await first.ready({ until: 'started' });
    await until(async () => ((await first.metric('recur_frames_in_total{source="file"}')) >= 1000 ? true : undefined), '1000 frames read');
    first.kill();
    await first.exited;

    const second = new RecurChild(pipeline);
    expect((await second.exited).code).toBe(0); // the file ends, so the pipeline does
    const lines = second.lines();
    // One frame per line after the header: the cursor's line was the last one logged.
    const resumed = lines.find((line) => line.msg === 'file source resumes where the last run stopped');
    const logged = Number(resumed?.line) - 1;
    expect(logged).toBeGreaterThan(900);
    const stopped = lines.find((line) => line.msg === 'pipeline stopped');
    // The second run read exactly the lines the first had not logged: nothing twice, nothing skipped.
    expect(stopped?.received).toBe(STREAMS * ROUNDS - logged);

    const answer = (await influx.query('resume', 'SELECT "yhat" FROM forecast GROUP BY "stream"', { epoch: 'ms' })) as {
      results: { series?: Series[] }[];
    };
    const actual = new Map<string, number>();
    for (const s of answer.results[0]?.series ?? []) for (const [t, v] of s.values) actual.set(`${s.tags?.stream}@${t}`, v);
    const expected = await reference();
    expect(actual.size).toBe(expected.size);
    let mismatches = 0;
    for (const [key, forecast] of expected) if (actual.get(key) !== forecast) mismatches++;
    expect(mismatches).toBe(0);
  }, 120_000);
});
