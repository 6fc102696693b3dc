/** The faults `recur bench soak` injects, when, and what each one does to the servers and recur. */

import type { InfluxdServer, MosquittoServer } from '../../testing/servers.js';

export const FAULT_KINDS = ['influx', 'broker', 'kill'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRecord {
  kind: FaultKind;
  /** When it began and how long it took until the fault was over (server back, recur restarted), ms since the load began. */
  tMs: number;
  durationMs: number;
}

export interface FaultTargets {
  influx: InfluxdServer;
  mosquitto: MosquittoServer;
  /** SIGKILLs the recur child and starts a new one on the same pipeline and state at once. */
  killRecur(): Promise<void>;
  /** How long influxd stays down. */
  influxOutageMs: number;
}

/** Fault times: every `everyMs` from `everyMs` on, strictly before the load ends, kinds in turn. */
export function faultSchedule(durationMs: number, everyMs: number, kinds: readonly FaultKind[]): { atMs: number; kind: FaultKind }[] {
  const schedule: { atMs: number; kind: FaultKind }[] = [];
  for (let i = 0; (i + 1) * everyMs < durationMs && kinds.length > 0; i++) schedule.push({ atMs: (i + 1) * everyMs, kind: kinds[i % kinds.length] });
  return schedule;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one fault to its end: the server is back, or a new recur is subscribed. */
export async function injectFault(kind: FaultKind, targets: FaultTargets): Promise<void> {
  switch (kind) {
    case 'influx':
      await targets.influx.stop();
      await sleep(targets.influxOutageMs);
      await targets.influx.start();
      return;
    case 'broker':
      // SIGTERM: mosquitto saves the persistent sessions (recur's queue, the publisher's) and starts on the same port.
      await targets.mosquitto.restart();
      return;
    case 'kill':
      await targets.killRecur();
      return;
  }
}
