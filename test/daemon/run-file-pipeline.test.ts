import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'recur-run-'));
const T0 = Date.UTC(2026, 0, 1);

function csvRows(from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) {
    for (const sensor of ['boiler-1', 'boiler-2', 'chiller-1']) text += `${new Date(T0 + i * 60_000).toISOString()},${sensor},${Math.sin(i / 10).toFixed(4)}\n`;
  }
  return text;
}

function pipeline(name: string, csv: string, follow: boolean): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
sources:
  - type: file
    options: { path: ${csv}, format: csv, timestampField: t, stream: { column: sensor }, fields: [value], follow: ${follow}, pollMs: 50 }
model: { path: fixtures/generated/demo-forecaster }
head: { type: forecast, measurement: temp_forecast, fields: [next] }
sinks:
  - type: file
    options: { path: ${join(dir, `${name}.jsonl`)}, format: jsonl }
    flushMs: 50
deadLetter: { file: ${join(dir, `${name}.dead.jsonl`)} }
`,
  );
  return file;
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('recur run with a file source and a file sink', () => {
  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [cli, 'fixtures']);
  }, 120_000);

  it('writes one point per good frame, dead-letters the bad row, and exits 0', async () => {
    const csv = join(dir, 'replay.csv');
    writeFileSync(csv, `t,sensor,value\n${csvRows(0, 40)}${new Date(T0 + 41 * 60_000).toISOString()},boiler-2,hot\n${csvRows(42, 50)}`);
    await promisify(execFile)(process.execPath, [cli, 'run', pipeline('replay', csv, false), '--log-level', 'warn']);
    const points = lines(join(dir, 'replay.jsonl')).map((l) => JSON.parse(l));
    expect(points).toHaveLength(48 * 3);
    expect(new Set(points.map((p) => p.tags.stream))).toEqual(new Set(['boiler-1', 'boiler-2', 'chiller-1']));
    expect(points[0]).toMatchObject({ measurement: 'temp_forecast', t: T0 });
    expect(Number.isFinite(points[0].fields.next)).toBe(true);
    const dead = lines(join(dir, 'replay.dead.jsonl')).map((l) => JSON.parse(l));
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ code: 'RECUR_E_NOT_A_NUMBER', source: 'file' });
  }, 60_000);

  it('on SIGTERM during load writes every frame it received before exiting 0', async () => {
    const csv = join(dir, 'follow.csv');
    writeFileSync(csv, `t,sensor,value\n${csvRows(0, 20)}`);
    const child: ChildProcess = spawn(process.execPath, [cli, 'run', pipeline('follow', csv, true)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let logs = '';
    child.stderr?.on('data', (chunk) => {
      logs += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until(() => lines(join(dir, 'follow.jsonl')).length >= 60, 'the first 60 points');
    // Keep appending while the signal arrives.
    for (let i = 20; i < 200; i += 20) appendFileSync(csv, csvRows(i, i + 20));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const stopped = logs
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'pipeline stopped');
    expect(stopped).toBeDefined();
    expect(stopped.received).toBeGreaterThanOrEqual(60);
    expect(lines(join(dir, 'follow.jsonl'))).toHaveLength(stopped.received);
    expect(stopped.written).toBe(stopped.received);
  }, 60_000);
});
