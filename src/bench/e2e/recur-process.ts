import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePrometheus, type Sample } from './prometheus.js';

const cli = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 30_000;

/** `recur run` as a child process, as users run it, seen through its logs and /metrics. */
export interface RecurProcess {
  readonly pid: number;
  scrape(): Promise<Sample[]>;
  /** Warnings and errors it logged (reconnects, refused writes), for the report. */
  readonly problems: readonly string[];
  /** SIGTERM (drain, flush, snapshot) and wait; SIGKILL after the grace period. Resolves with the exit code. */
  stop(): Promise<number | null>;
  kill(): void;
  /** Resolves with the exit code once the process is gone (null when a signal ended it). */
  readonly exited: Promise<number | null>;
}

/** Children still running: killed when the bench exits, also when interrupted (process.exit from a signal handler). */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

interface LogLine {
  level?: number;
  msg?: string;
  httpPort?: number;
}

/**
 * Starts `node dist/cli/main.js run <pipeline>` and resolves once its MQTT source is subscribed
 * (the debug log says so: frames published earlier would be lost to a clean session). With
 * `logFile`, its whole log is appended there too (bench soak keeps it for post-mortems).
 */
export async function startRecur(pipeline: string, cwd: string, nodeArgs: readonly string[] = [], logFile?: string): Promise<RecurProcess> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, cli, 'run', pipeline, '--log-level', 'debug'], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const problems: string[] = [];
  let tail = '';
  let partial = '';
  let httpPort: number | undefined;
  let subscribed = false;
  const logCopy = logFile === undefined ? undefined : createWriteStream(logFile, { flags: 'a' });
  child.stderr?.on('data', (chunk: Buffer) => {
    logCopy?.write(chunk);
    const text = partial + chunk.toString('utf8');
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    tail = (tail + text.slice(0, text.length - partial.length)).slice(-4_000);
    for (const line of lines) {
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        continue;
      }
      if (parsed.msg === 'pipeline started') httpPort = parsed.httpPort;
      if (parsed.msg === 'mqtt subscribed') subscribed = true;
      // pino levels: 40 warn, 50 error.
      if ((parsed.level ?? 0) >= 40 && problems.length < 20) problems.push(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr?.once('close', () => logCopy?.end());
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (httpPort === undefined || !subscribed) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`recur run exited (code ${child.exitCode}) before it was ready:\n${tail}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`recur run not ready within ${READY_TIMEOUT_MS} ms:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const port = httpPort;
  return {
    pid: child.pid!,
    problems,
    exited,
    scrape: async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
      return parsePrometheus(await response.text());
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
