import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = `${root}dist/cli/main.js`;

/** Polls `probe` until it returns something other than undefined; throws after `ms`. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const alive = new Set<ChildProcess>();

/** SIGKILLs every recur child still running (for afterEach, so a failed test leaves none behind). */
export function killRecurProcesses(): void {
  for (const child of alive) child.kill('SIGKILL');
  alive.clear();
}

/** `recur run <pipeline>` as a child process, as users run it, with its JSON log lines at hand. */
export class RecurProcess {
  readonly child: ChildProcess;
  #logs = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(pipeline: string) {
    this.child = spawn(process.execPath, [cli, 'run', pipeline], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.on('data', (chunk) => {
      this.#logs += chunk;
    });
    alive.add(this.child);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        alive.delete(this.child);
        resolve({ code, signal });
      }),
    );
  }

  /** Every JSON log line so far (non-JSON lines are skipped). */
  lines(): Record<string, unknown>[] {
    return this.#logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  get text(): string {
    return this.#logs;
  }

  /** Resolves with the HTTP port once the pipeline has started (and the MQTT source connected, when `connected`). */
  async started(connected = true): Promise<number> {
    return until(
      () => {
        if (this.child.exitCode !== null) throw new Error(`recur exited with ${this.child.exitCode}:\n${this.#logs.slice(-3000)}`);
        const line = this.lines().find((l) => l.msg === 'pipeline started');
        if (!line || (connected && !this.#logs.includes('mqtt connected'))) return undefined;
        return line.httpPort as number;
      },
      'recur to start',
      60_000,
    );
  }

  /** The value of one sample on /metrics (0 when absent), e.g. `recur_backpressure{reason="log_full"}`. */
  async metric(port: number, sample: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
    return line ? Number(line.slice(sample.length + 1)) : 0;
  }
}
