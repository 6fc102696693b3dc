import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { type MicSourceOptions, micSource } from '../../src/sources/mic/mic-source.js';
import type { LogLevel, SourceCounter } from '../../src/sources/types.js';
import { waitFor } from './wait-for.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-mic-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sox = (seconds: number) => `sox -n -t raw -r 16000 -e signed -b 16 -c 1 - synth ${seconds} sine 440`;

function harness(options: MicSourceOptions) {
  const frames: Frame[] = [];
  const counts: Record<SourceCounter, number> = { restarts: 0, stalls: 0, reconnects: 0, disconnects: 0 };
  const logs: { level: LogLevel; message: string; fields?: Record<string, unknown> }[] = [];
  let error: unknown;
  let completed = false;
  const subscription = micSource(options, {
    onReject: () => {},
    count: (counter) => counts[counter]++,
    log: (level, message, fields) => logs.push({ level, message, fields }),
  }).subscribe({
    next: (frame) => frames.push(frame),
    error: (e) => {
      error = e;
    },
    complete: () => {
      completed = true;
    },
  });
  return { frames, counts, logs, subscription, error: () => error, completed: () => completed };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('micSource', () => {
  it('reads one second of a synthesised tone from a child as 100 frames of 10 ms on a sample clock', async () => {
    const frames = await lastValueFrom(
      micSource({ command: ['sh', '-c', sox(1)], restart: false, now: () => 1_000_000 }, { onReject: () => {} }).pipe(toArray()),
    );
    expect(frames).toHaveLength(100);
    expect(frames.slice(0, 3).map((f) => f.t)).toEqual([1_000_000, 1_000_010, 1_000_020]);
    expect(frames.every((f) => f.stream === 'mic' && f.values.length === 160)).toBe(true);
    const peak = Math.max(...frames.flatMap((f) => [...f.values].map(Math.abs)));
    expect(peak).toBeGreaterThan(0.5);
    expect(peak).toBeLessThanOrEqual(1);
  });

  it('restarts a recorder that exits, with backoff, counting and logging each restart', async () => {
    const h = harness({ command: ['sh', '-c', `${sox(0.1)}; echo gone >&2; exit 3`], backoff: { initialMs: 20, maxMs: 40 } });
    try {
      await waitFor(() => h.counts.restarts >= 3, 'three restarts');
      await waitFor(() => h.frames.length >= 40, 'frames from several runs');
      const restart = h.logs.find((l) => l.message.includes('restarting'));
      expect(restart?.fields).toMatchObject({ exitCode: 3, code: 'RECUR_E_SOURCE_UNAVAILABLE' });
      expect(String(restart?.fields?.stderr)).toContain('gone');
      expect(h.error()).toBeUndefined();
    } finally {
      h.subscription.unsubscribe();
    }
  });

  it('logs and counts a stall once, and kills the child on unsubscribe', async () => {
    const pidFile = join(dir, 'stall.pid');
    const h = harness({ command: ['sh', '-c', `echo $$ > ${pidFile}; ${sox(0.05)}; exec sleep 60`], stallMs: 200 });
    let pid = 0;
    try {
      await waitFor(() => h.counts.stalls === 1, 'a stall');
      pid = Number(readFileSync(pidFile, 'utf8'));
      expect(h.frames).toHaveLength(5);
      expect(h.logs.find((l) => l.message === 'no audio')).toMatchObject({ level: 'warn' });
      await new Promise((resolve) => setTimeout(resolve, 300)); // more checks pass; still one stall
      expect(h.counts).toMatchObject({ stalls: 1, restarts: 0 });
      expect(alive(pid)).toBe(true);
    } finally {
      h.subscription.unsubscribe();
    }
    await waitFor(() => !alive(pid), 'the recorder to be killed');
  });

  it('errors with SOURCE_UNAVAILABLE when the recorder cannot be started and restarts are off', async () => {
    const h = harness({ command: ['recur-no-such-recorder'], restart: false });
    await waitFor(() => h.error() !== undefined, 'an error');
    expect(h.error()).toMatchObject({ code: 'RECUR_E_SOURCE_UNAVAILABLE' });
  });

  it('reads PCM from stdin split at odd byte boundaries, downmixing two channels', async () => {
    const input = new PassThrough();
    const h = harness({ stdin: input, channels: 2, hop: 4, now: () => 0, sampleRate: 1000 });
    const pcm = Buffer.alloc(2 * 2 * 8);
    for (let i = 0; i < 8; i++) {
      pcm.writeInt16LE(i * 1024, i * 4);
      pcm.writeInt16LE(-i * 1024 + 2048, i * 4 + 2);
    }
    input.write(pcm.subarray(0, 5));
    input.write(pcm.subarray(5, 23));
    input.end(pcm.subarray(23));
    await waitFor(() => h.completed(), 'stdin to end');
    expect(h.frames.map((f) => f.t)).toEqual([0, 4]);
    expect(h.frames.flatMap((f) => [...f.values])).toEqual(Array(8).fill(1024 / 32768));
  });
});
