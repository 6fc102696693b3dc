import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = `${root}dist/cli/main.js`;
const run = promisify(execFile);

describe('pipelines/demo.yaml (the README first command)', () => {
  it('runs with no server installed: simulator -> embedded broker -> GRU -> stdout and file', async () => {
    rmSync(`${root}.recur/demo`, { recursive: true, force: true });
    await run(process.execPath, [cli, 'fixtures'], { cwd: root });
    const { stdout } = await run(process.execPath, [cli, 'run', 'pipelines/demo.yaml', '--log-level', 'warn'], { cwd: root, timeout: 90_000 });
    const printed = stdout.trim().split('\n');
    expect(printed).toHaveLength(3 * 96);
    expect(printed[0]).toMatch(/boiler_forecast stream=boiler-\d temperature_next=-?\d/);
    const lp = readFileSync(`${root}.recur/demo/results.lp`, 'utf8').trim().split('\n');
    expect(lp).toHaveLength(3 * 96);
    expect(lp[0]).toMatch(/^boiler_forecast,stream=boiler-\d temperature_next=-?[\d.e-]+ \d+$/);
    const snapshot = readFileSync(`${root}.recur/demo/state.snapshot`);
    expect(snapshot.subarray(0, 4).toString()).toBe('RCSN');
  }, 120_000);
});
