import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (100 on every mainstream architecture). */
const TICKS_PER_SECOND = 100;

/** Resident memory of a process in MB (VmRSS), undefined once it is gone or off Linux. */
export function rssMb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in seconds. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU time all processes of the machine used so far (every core's busy time), in seconds. */
export function machineCpuSeconds(): number | undefined {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - ticks[3] - ticks[4]) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * CPU cores each process used between start() and stop(), and `machine`: all processes
 * together (more than the named ones add up to when something else ran too).
 */
export class CpuMeter {
  readonly #pids: Readonly<Record<string, number | undefined>>;
  #start = new Map<string, number>();
  #startedAt = 0;

  constructor(pids: Readonly<Record<string, number | undefined>>) {
    this.#pids = pids;
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#start = new Map();
    for (const [name, pid] of Object.entries(this.#pids)) {
      const used = pid === undefined ? undefined : cpuSeconds(pid);
      if (used !== undefined) this.#start.set(name, used);
    }
    const machine = machineCpuSeconds();
    if (machine !== undefined) this.#start.set('machine', machine);
  }

  /** Cores used per process (1 = one core busy all the time), rounded to hundredths. */
  stop(): Record<string, number> {
    const seconds = (performance.now() - this.#startedAt) / 1000;
    const cores: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.#pids)) {
      const before = this.#start.get(name);
      const after = pid === undefined ? undefined : cpuSeconds(pid);
      if (before !== undefined && after !== undefined && seconds > 0) cores[name] = Number(((after - before) / seconds).toFixed(2));
    }
    const [before, after] = [this.#start.get('machine'), machineCpuSeconds()];
    if (before !== undefined && after !== undefined && seconds > 0) cores.machine = Number(((after - before) / seconds).toFixed(2));
    return cores;
  }
}

/** Samples a process's RSS on a timer and keeps the largest. */
export class RssSampler {
  #max = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly pid: number) {}

  start(everyMs = 200): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    this.#max = Math.max(this.#max, rssMb(this.pid) ?? 0);
  }

  /** The largest RSS seen, in MB. */
  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.#max;
  }
}
