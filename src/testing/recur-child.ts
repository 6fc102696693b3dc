import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePrometheus, type Sample } from '../bench/e2e/prometheus.js';

// Built, this file sits beside dist/cli (or a copy such as dist-soak/cli); run from source by vitest, it takes the built CLI.
const cli = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../dist/cli/main.js' : '../cli/main.js', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

// A long bench or soak run logs without end: keep the first and the last part of the log, not all of it.
const HEAD_CHARS = 1_000_000;
const TAIL_CHARS = 250_000;
const MAX_PROBLEMS = 20;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RecurChildOptions {
  /**
   * Working folder of the child: relative paths in the pipeline resolve from it.
   * @default the repository root
   */
  cwd?: string;
  /** Node flags before the script, e.g. `['--cpu-prof']`. @default [] */
  nodeArgs?: readonly string[];
  /** The child's whole log is appended to this file too (bench soak keeps it for post-mortems). */
  logFile?: string;
  /** `--log-level` of the child; `ready({ until: 'subscribed' })` needs `'debug'`. @default 'info' */
  logLevel?: LogLevel;
}

export interface ReadyOptions {
  /**
   * `started`: the pipeline started (its HTTP port is known). `connected`: and the MQTT source
   * connected. `subscribed`: and it subscribed (debug log): frames published earlier would be lost
   * to a clean session.
   * @default 'connected'
   */
  until?: 'started' | 'connected' | 'subscribed';
  /** The child is SIGKILLed when it is not ready by then. @default 60_000 */
  timeoutMs?: number;
}

export interface ChildExit {
  /** Null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Children still running: killed when this process exits, also when interrupted (process.exit from a signal handler). */
const live = new Set<RecurChild>();
process.on('exit', () => {
  for (const recur of live) recur.kill();
});

/** SIGKILLs every recur child still running (for afterEach, so a failed test leaves none behind). */
export function killRecurChildren(): void {
  for (const recur of live) recur.kill();
}

const READY_MESSAGES = { started: 'pipeline started', connected: 'mqtt connected', subscribed: 'mqtt subscribed' } as const;
const readyMessages: ReadonlySet<string> = new Set(Object.values(READY_MESSAGES));

/**
 * `node dist/cli/main.js run <pipeline>` as a child process, as users run it, seen through its
 * JSON log on stderr and its /metrics. It is spawned by the constructor.
 */
export class RecurChild {
  readonly child: ChildProcess;
  /** Resolves once the child is gone and its log is read to the end. */
  readonly exited: Promise<ChildExit>;
  /** The first warnings and errors it logged (reconnects, refused writes), for a report. */
  readonly problems: string[] = [];
  readonly #logLevel: LogLevel;
  readonly #seen = new Set<string>();
  #httpPort: number | undefined;
  #head = '';
  #tail = '';
  #omittedChars = 0;
  #partial = '';

  constructor(pipeline: string, options: RecurChildOptions = {}) {
    this.#logLevel = options.logLevel ?? 'info';
    const args = [...(options.nodeArgs ?? []), cli, 'run', pipeline, '--log-level', this.#logLevel];
    this.child = spawn(process.execPath, args, { cwd: options.cwd ?? repositoryRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(this);
    this.child.once('exit', () => live.delete(this));
    const logCopy = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      logCopy?.write(chunk);
      const lines = (this.#partial + chunk.toString('utf8')).split('\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) this.#read(line);
    });
    this.child.stderr?.once('close', () => {
      logCopy?.end();
      if (this.#partial !== '') this.#read(this.#partial);
      this.#partial = '';
    });
    // 'close', not 'exit': by then stderr is read to the end, so the log holds the last lines.
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
  }

  /** Its process id (spawning node itself does not fail short of running out of resources). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Every JSON log line kept (all of them unless the log outgrew the kept head and tail); other lines are skipped. */
  lines(): Record<string, unknown>[] {
    const parsed: Record<string, unknown>[] = [];
    for (const line of `${this.#head}${this.#tail}`.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        parsed.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // A line cut by the child's death.
      }
    }
    return parsed;
  }

  /** The log as text: all of it, or its head and tail with a note of how much was left out between. */
  get text(): string {
    const gap = this.#omittedChars > 0 ? `[${this.#omittedChars} characters of log left out]\n` : '';
    return `${this.#head}${gap}${this.#tail}${this.#partial}`;
  }

  /**
   * Resolves with the HTTP port once the child is ready; rejects with the end of its log when it
   * exits first, and SIGKILLs it when it is not ready within the timeout.
   */
  async ready(options: ReadyOptions = {}): Promise<number> {
    const { until = 'connected', timeoutMs = 60_000 } = options;
    if (until === 'subscribed' && this.#logLevel !== 'debug') {
      throw new Error(`ready({ until: 'subscribed' }) needs logLevel 'debug' ('mqtt subscribed' is a debug line), got '${this.#logLevel}'`);
    }
    const deadline = Date.now() + timeoutMs;
    const reached = () => this.#seen.has(READY_MESSAGES.started) && this.#seen.has(READY_MESSAGES[until]);
    while (!reached()) {
      if (this.#gone()) {
        const { code, signal } = await this.exited;
        // Its last lines may be read only after it exited: a short pipeline can start and end before a poll.
        if (reached()) break;
        throw new Error(`recur run exited (code ${code}, signal ${signal}) before it was ${until}; its log ends:\n${this.text.slice(-4_000)}`);
      }
      if (Date.now() > deadline) {
        this.kill();
        throw new Error(`recur run not ${until} within ${timeoutMs} ms; its log ends:\n${this.text.slice(-4_000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.#port();
  }

  /** /metrics, parsed. */
  async scrape(): Promise<Sample[]> {
    return parsePrometheus(await this.#metricsText());
  }

  /** The value of one sample on /metrics (0 when absent), written as /metrics writes it, e.g. `recur_backpressure{reason="log_full"}`. */
  async metric(sample: string): Promise<number> {
    const line = (await this.#metricsText()).split('\n').find((l) => l.startsWith(`${sample} `));
    return line ? Number(line.slice(sample.length + 1)) : 0;
  }

  /** SIGTERM (drain, flush, snapshot) and wait; SIGKILL after `graceMs`. Resolves with the exit code (null when a signal ended it). */
  async stop(graceMs = 30_000): Promise<number | null> {
    if (!this.#gone()) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), graceMs);
    const { code } = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** SIGKILL, unless it is gone already. */
  kill(): void {
    if (!this.#gone()) this.child.kill('SIGKILL');
  }

  #gone(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  #read(line: string): void {
    this.#keep(`${line}\n`);
    if (!line.startsWith('{')) return;
    let parsed: { level?: number; msg?: string; httpPort?: number };
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    if (parsed.msg !== undefined && readyMessages.has(parsed.msg)) this.#seen.add(parsed.msg);
    if (parsed.msg === READY_MESSAGES.started) this.#httpPort = parsed.httpPort;
    // pino levels: 40 warn, 50 error.
    if ((parsed.level ?? 0) >= 40 && this.problems.length < MAX_PROBLEMS) this.problems.push(line);
  }

  #keep(line: string): void {
    if (this.#tail === '' && this.#head.length + line.length <= HEAD_CHARS) {
      this.#head += line;
      return;
    }
    this.#tail += line;
    // Trimmed to TAIL_CHARS when twice that, at a line boundary: a copy per line would cost more.
    if (this.#tail.length > 2 * TAIL_CHARS) {
      const cut = this.#tail.indexOf('\n', this.#tail.length - TAIL_CHARS) + 1;
      this.#omittedChars += cut;
      this.#tail = this.#tail.slice(cut);
    }
  }

  #port(): number {
    if (this.#httpPort === undefined) {
      const reason = this.#seen.has(READY_MESSAGES.started) ? 'the pipeline has no http port (set `http:` in it)' : 'the pipeline has not started yet';
      throw new Error(`no /metrics to read: ${reason}`);
    }
    return this.#httpPort;
  }

  async #metricsText(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.#port()}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return response.text();
  }
}
