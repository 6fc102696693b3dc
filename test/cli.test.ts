import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const recur = (...args: string[]) => run(process.execPath, [cli, ...args], { maxBuffer: 16 << 20 });

describe('the recur command (built by pretest)', () => {
  it('lists its subcommands in --help', async () => {
    const { stdout } = await recur('--help');
    for (const command of ['demo', 'fixtures', 'inspect', 'bench']) expect(stdout).toContain(command);
    const bench = await recur('bench', 'step', '--help');
    expect(bench.stdout).toContain('--json');
  });

  it('runs the demo: forecasts for three streams and a summary the model wins', async () => {
    const { stdout } = await recur('demo', '--steps', '96', '--every', '48');
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(summary.streams).toBe(3);
    expect(summary.frames).toBe(97 * 3);
    expect(summary.maeModel).toBeLessThan(summary.maeNaive);
    expect(stdout).toMatch(/boiler-1\/temp +value +-?\d+\.\d{3} +forecast\(next\)/);
  }, 120_000);

  it('inspects the demo model', async () => {
    await recur('fixtures');
    const { stdout } = await recur('inspect', 'fixtures/generated/demo-forecaster');
    const info = JSON.parse(stdout);
    expect(info).toMatchObject({ inputSize: 1, outputSize: 1, online: true });
    expect(info.layers.map((l: { type: string }) => l.type)).toEqual(['gru', 'dense']);
  }, 120_000);

  it('prints bench step JSON with every implementation', async () => {
    const { stdout } = await recur('bench', 'step', '--json', '--quick', '--ms', '20');
    const report = JSON.parse(stdout);
    const impls = new Set(report.results.map((r: { impl: string }) => r.impl));
    expect([...impls].sort()).toEqual(['recur-js', 'recur-wasm', 'tfjs-layers', 'tfjs-wasm-ops']);
    for (const r of report.results) {
      expect(Object.keys(r).sort()).toEqual(['B', 'D', 'H', 'cell', 'gflops', 'impl', 'latencyUs', 'stepsPerSec']);
      expect(r.stepsPerSec).toBeGreaterThan(0);
    }
    expect(report.bytesPerStream).toBeGreaterThanOrEqual(report.memory.stateBytesPerStream);
  }, 120_000);

  it('exits with code 2 and the error code for a missing model', async () => {
    await expect(recur('inspect', '/nonexistent/model')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('RECUR_E_MODEL_FORMAT') });
  });
});
