import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { type DurabilityOptions, DurableIntake } from '../../src/durability/durable-intake.js';
import { DurabilityMetrics } from '../../src/durability/metrics.js';
import type { Frame } from '../../src/frame.js';
import { smallModel } from '../helpers/small-model.js';

/**
 * The intake's bookkeeping across restarts, without a daemon around it: read cursors kept in the
 * snapshot, each sink's saved progress, and the folder lock. (The fault tests run it for real.)
 */

const root = mkdtempSync(join(tmpdir(), 'recur-intake-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const silent = pino({ level: 'silent' });

function options(): DurabilityOptions {
  return {
    dir: join(root, `state-${++folders}`),
    maxLogBytes: 1 << 20,
    whenFull: 'backpressure',
    commitIntervalMs: 1,
    snapshotEveryMs: 3_600_000,
    maxPendingFrames: 1000,
  };
}

function open(opts: DurabilityOptions, model = smallModel()) {
  const metrics = new DurabilityMetrics(new Registry());
  return DurableIntake.open(opts, model, ['influx'], metrics, silent).then((intake) => ({ intake, model, metrics }));
}

const frame = (k: number): Frame => ({
  stream: `s${k % 2}`,
  t: 1000 + k,
  values: Float32Array.of(k, -k, k / 2),
  cursor: { source: 'file:meters.csv', at: [k * 10, k + 2, 1, 77] },
});

/** Admits, steps and acknowledges frames as the pipeline does; returns them with their log positions. */
async function take(intake: DurableIntake, model: ReturnType<typeof smallModel>, frames: Frame[]): Promise<Frame[]> {
  const logged = frames.map((f) => intake.admit(f)!);
  for (const f of logged) {
    model.step([f.stream], f.values, [f.t]);
    intake.stepped(f);
  }
  await intake.acknowledge(logged);
  return logged;
}

describe('DurableIntake across restarts', () => {
  it('keeps each source read cursor in the snapshot, so a restart with nothing to replay still knows it', async () => {
    const opts = options();
    const first = await open(opts);
    const logged = await take(first.intake, first.model, [0, 1, 2, 3].map(frame));
    first.intake.written(0, logged);
    await first.intake.close();

    const second = await open(opts);
    expect(await lastValueFrom(second.intake.replay().pipe(toArray()))).toEqual([]);
    expect(second.intake.cursor('file:meters.csv')).toEqual([30, 5, 1, 77]);
    expect(second.intake.cursor('file:other.csv')).toBeUndefined();
    await second.intake.close();
  });

  it('after a crash, replays every logged frame but tells each sink to skip what its saved progress covers', async () => {
    const opts = options();
    const first = await open(opts);
    const logged = await take(first.intake, first.model, [0, 1, 2, 3, 4, 5].map(frame));
    first.intake.written(0, logged.slice(0, 4)); // the first save of progress.json starts at once
    await new Promise((resolve) => setTimeout(resolve, 200));
    const saved = JSON.parse(readFileSync(join(opts.dir, 'progress.json'), 'utf8'));
    expect(saved.sinks.influx).toBe(logged[4].seq);
    // A crash: the folder as it is now, lock and all, opened by a "new process" (its copy).
    const copy = { ...opts, dir: `${opts.dir}-after-crash` };
    cpSync(opts.dir, copy.dir, { recursive: true });
    writeFileSync(join(copy.dir, 'lock'), '999999999\n'); // a pid that does not run

    const second = await open(copy);
    const replayed = await lastValueFrom(second.intake.replay().pipe(toArray()));
    expect(replayed.map((f) => f.t)).toEqual(logged.map((f) => f.t));
    expect(replayed.map((f) => second.intake.alreadyWritten(0, { ...f, values: f.values }))).toEqual([true, true, true, true, false, false]);
    expect((await second.metrics.skipped.get()).values[0].value).toBe(4);
    expect(second.intake.cursor('file:meters.csv')).toEqual([50, 7, 1, 77]);
    await second.intake.close();
    await first.intake.close();
  });

  it('remembers the last timestamp of a stream evicted for idleness, across a restart: a late redelivery is not stepped again', async () => {
    const opts = options();
    let now = 0;
    const first = await open(opts, smallModel({ now: () => now }));
    const logged = await take(first.intake, first.model, [0, 1, 2, 3].map(frame)); // s0 at 1000, 1002; s1 at 1001, 1003
    first.intake.written(0, logged);
    now = 10_000;
    expect(first.model.evictIdle(5_000, (stream, lastT) => first.intake.evicted(stream, lastT))).toBe(2);
    expect(first.model.has('s0')).toBe(false);
    // The broker, back after a long outage, redelivers a message whose PUBACK was held: not stepped again.
    expect(first.intake.admit(frame(2))).toBeUndefined();
    expect((await first.metrics.redelivered.get()).values[0].value).toBe(1);
    await first.intake.close(); // the shutdown snapshot keeps the evicted streams' timestamps

    const second = await open(opts, smallModel({ now: () => now }));
    expect(second.intake.admit(frame(3))).toBeUndefined(); // s1 at 1003: stepped before the restart
    const back = second.intake.admit(frame(5)); // s1 at 1005: new, and s1 is live again
    expect(back?.t).toBe(1005);
    second.model.step([back!.stream], back!.values, [back!.t]);
    second.intake.stepped(back!);
    expect(second.intake.admit(frame(1))).toBeUndefined(); // s1 at 1001: the model knows s1 again
    expect(second.intake.admit(frame(4))?.t).toBe(1004); // s0 at 1004 follows its remembered 1002
    await second.intake.close();
  });

  it('refuses a folder a live process holds, with RECUR_E_DIR_LOCKED, and frees it at close', async () => {
    const opts = options();
    const first = await open(opts);
    await expect(open(opts)).rejects.toMatchObject({ code: 'RECUR_E_DIR_LOCKED', message: expect.stringContaining(`in use by process ${process.pid}`) });
    await first.intake.close();
    const again = await open(opts);
    await again.intake.close();
  });
});
