import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Real servers for tests and `recur bench e2e`: mosquitto and influxd on free loopback ports,
 * each with its own temporary folder. Every child is killed when this process exits, however it
 * exits: by an exit hook for a normal exit, and by a shell watchdog for a signal or a SIGKILL.
 */

export interface MosquittoServer {
  readonly url: string;
  readonly port: number;
  /** The running broker's process id (for CPU and memory readings). */
  readonly pid: number | undefined;
  /** Stops the broker (SIGTERM, so it saves persistent sessions) and removes its folder. */
  stop(): Promise<void>;
  /** Stops and starts the broker on the same port and folder: persistent sessions survive. */
  restart(): Promise<void>;
  /** The last few KB the broker printed (notices, warnings, errors), for a failing test to show. */
  output(): string;
}

export interface InfluxdServer {
  readonly url: string;
  readonly port: number;
  /** The running server's process id (for CPU and memory readings). */
  readonly pid: number | undefined;
  /** Stops influxd; the data folder stays (until dispose() or the process ends), so start() resumes it. */
  stop(): Promise<void>;
  /** Starts influxd again on the same ports and data; resolves when /ping answers 204. */
  start(): Promise<void>;
  /** Stops influxd for good and removes its folder. */
  dispose(): Promise<void>;
  /** Runs an InfluxQL query over HTTP and returns the parsed JSON answer. */
  query(db: string, q: string, params?: Record<string, string>): Promise<unknown>;
}

const STOP_GRACE_MS = 5_000;
const READY_TIMEOUT_MS = 30_000;

const running = new Set<ChildProcess>();
const folders = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Kills `pid` and removes its folder once this process is gone, even after a SIGKILL that skips
 * every exit hook; ends by itself when the child exits first.
 */
function watchdog(pid: number, dir: string): void {
  const script = `while kill -0 ${pid} 2>/dev/null; do kill -0 ${process.pid} 2>/dev/null || { kill -9 ${pid}; sleep 0.2; rm -rf '${dir}'; exit; }; sleep 1; done`;
  const dog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  dog.unref();
}

/** A port the kernel just handed out on 127.0.0.1 (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`expected a bound port, received ${String(address)}`))));
    });
  });
}

async function tempFolder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  folders.add(dir);
  return dir;
}

async function removeFolder(dir: string): Promise<void> {
  folders.delete(dir);
  await rm(dir, { recursive: true, force: true });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Started {
  child: ChildProcess;
  /** The last lines the child wrote, for an error message when it dies early. */
  output(): string;
}

function launch(command: string, args: string[], dir: string): Started {
  hookExit();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (child.pid !== undefined) watchdog(child.pid, dir);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => tail };
}

/** SIGTERM, then SIGKILL if the child is still there after the grace period. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Polls `ready` until it answers true; fails early when the child exits, or after the timeout. */
async function waitReady(started: Started, what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { child } = started;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready:\n${started.output()}`);
    }
    if (await ready()) return;
    await sleep(50);
  }
  await terminate(started.child);
  throw new Error(`${what} not ready within ${READY_TIMEOUT_MS} ms:\n${started.output()}`);
}

/** Whether something accepts TCP connections on a loopback port. */
export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function pingOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 204;
  } catch {
    return false;
  }
}

/** One server child that can be stopped and started again on the same config (and so ports and data). */
interface Restartable {
  readonly pid: number | undefined;
  /** The tail of what the current (or last) child printed. */
  output(): string;
  /** Starts the child unless it runs; resolves when `ready` answers true. */
  start(): Promise<void>;
  /** SIGTERM, SIGKILL after the grace period; nothing if it is not running. */
  stop(): Promise<void>;
}

function restartable(command: string, args: string[], dir: string, what: string, ready: () => Promise<boolean>): Restartable {
  let current: Started | undefined;
  /** The newest child, kept after it stopped so its output can still be read. */
  let last: Started | undefined;
  return {
    get pid() {
      return current?.child.pid;
    },
    output: () => last?.output() ?? '',
    async start() {
      if (current) return;
      const started = launch(command, args, dir);
      current = started;
      last = started;
      try {
        await waitReady(started, what, ready);
      } catch (error) {
        current = undefined;
        throw error;
      }
    },
    async stop() {
      if (current) await terminate(current.child);
      current = undefined;
    },
  };
}

export interface MosquittoOptions {
  /** user -> password: anonymous clients are then refused. @default anyone may connect */
  readonly users?: Readonly<Record<string, string>>;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoServer> {
  const dir = await tempFolder('recur-mosquitto-');
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  const passwords = join(dir, 'passwords');
  const users = Object.entries(options.users ?? {});
  for (const [user, password] of users) {
    await run('/usr/bin/mosquitto_passwd', [...(existsSync(passwords) ? [] : ['-c']), '-b', passwords, user, password]);
  }
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      ...(users.length > 0 ? ['allow_anonymous false', `password_file ${passwords}`] : ['allow_anonymous true']),
      // Started as root, mosquitto drops to user 'mosquitto', which cannot write our temp folder.
      `user ${userInfo().username}`,
      'persistence true',
      `persistence_location ${dir}/`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      // The default (1000 per client) drops QoS 1 messages beyond it while a subscriber is
      // slow or away: tests that stop recur mid-stream and the e2e bench want every one kept.
      'max_queued_messages 0',
      '',
    ].join('\n'),
  );
  const server = restartable('/usr/sbin/mosquitto', ['-c', config], dir, `mosquitto on port ${port}`, () => tcpOpen(port));
  await server.start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    get pid() {
      return server.pid;
    },
    async stop() {
      await server.stop();
      await removeFolder(dir);
    },
    async restart() {
      await server.stop();
      await server.start();
    },
    output: () => server.output(),
  };
}

export async function startInfluxd(): Promise<InfluxdServer> {
  const dir = await tempFolder('recur-influxd-');
  const port = await freePort();
  const rpcPort = await freePort();
  const config = join(dir, 'influxdb.conf');
  await writeFile(
    config,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${dir}/meta"`,
      '[data]',
      `  dir = "${dir}/data"`,
      `  wal-dir = "${dir}/wal"`,
      '  query-log-enabled = false',
      '[http]',
      '  enabled = true',
      `  bind-address = "127.0.0.1:${port}"`,
      '  log-enabled = false',
      '[logging]',
      '  level = "error"',
      '  suppress-logo = true',
      '[monitor]',
      '  store-enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '[subscriber]',
      '  enabled = false',
      '',
    ].join('\n'),
  );
  const url = `http://127.0.0.1:${port}`;
  const server = restartable('/usr/bin/influxd', ['run', '-config', config], dir, `influxd on port ${port}`, () => pingOk(url));
  await server.start();
  return {
    url,
    port,
    get pid() {
      return server.pid;
    },
    stop: () => server.stop(),
    start: () => server.start(),
    async dispose() {
      await server.stop();
      await removeFolder(dir);
    },
    async query(db, q, params = {}) {
      const search = new URLSearchParams({ db, q, ...params });
      const response = await fetch(`${url}/query?${search}`, { signal: AbortSignal.timeout(10_000) });
      const body = await response.text();
      if (!response.ok) throw new Error(`query '${q}': expected 200, received ${response.status}: ${body}`);
      return JSON.parse(body) as unknown;
    },
  };
}
