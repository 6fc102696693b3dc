import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonMetrics } from '../../src/daemon/metrics.js';
import { DurableIntake } from '../../src/durability/durable-intake.js';
import { encodeFrame } from '../../src/durability/ingest-log/frame-codec.js';
import { IngestLog } from '../../src/durability/ingest-log/index.js';
import { DurabilityMetrics } from '../../src/durability/metrics.js';
import { SnapshotStore } from '../../src/durability/snapshot-store.js';
import { StreamingModel } from '../../src/rnn/engine/streaming-model.js';
import { killRecurChildren, RecurChild, root } from '../helpers/recur-child.js';

/** Power loss and bit rot: the log's tail and the newest snapshot, damaged on disk before a start. */

const MODEL = join(root, 'fixtures/generated/demo-forecaster');
const T0 = Date.UTC(2026, 0, 1);
const FRAMES = 50;

/** A state folder whose log holds FRAMES frames of one stream, as a crashed daemon leaves it. */
async function crashedState(): Promise<{ dir: string; segment: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'recur-corrupt-'));
  const log = await IngestLog.open({ dir: join(dir, 'state', 'log') });
  for (let k = 0; k < FRAMES; k++) log.append(encodeFrame({ stream: 'boiler', t: T0 + k * 1000, values: Float32Array.of(Math.sin(k / 5)) }));
  await log.close();
  const folder = join(dir, 'state', 'log');
  const segment = join(folder, readdirSync(folder).filter((name) => name.endsWith('.log'))[0]);
  writeFileSync(
    join(dir, 'device.yaml'),
    'name: meter\ntopic: corrupt/+/v\nstreamSegment: 1\nformat: json\nfields: [v]\ntimestampField: ts\ntimestampUnit: ms\nqos: 1\n',
  );
  writeFileSync(
    join(dir, 'pipeline.yaml'),
    `name: corrupt
sources:
  - type: mqtt
    options: { devices: ['${join(dir, 'device.yaml')}'], clientId: recur-corrupt, clean: false }
model: { path: '${MODEL}' }
head: { type: forecast, measurement: forecast }
sinks:
  - type: file
    options: { path: '${join(dir, 'out.lp')}', format: line }
    flushMs: 50
deadLetter: { file: '${join(dir, 'dead.jsonl')}' }
http: { port: 0 }
durability: { dir: '${join(dir, 'state')}' }
`,
  );
  return { dir, segment };
}

/** Starts recur on the damaged state, reads the truncation counter, stops it and counts the replayed points written. */
async function startOn(dir: string, reason: string): Promise<{ truncations: number; written: number; logged: boolean }> {
  const recur = new RecurChild(join(dir, 'pipeline.yaml'));
  await recur.ready();
  const truncations = await recur.metric(`recur_log_truncations_total{reason="${reason}"}`);
  expect(await recur.stop()).toBe(0);
  const written = readFileSync(join(dir, 'out.lp'), 'utf8').trim().split('\n').filter(Boolean).length;
  const logged = recur.lines().some((line) => line.code === 'RECUR_E_LOG_CORRUPT');
  return { truncations, written, logged };
}

afterEach(killRecurChildren);

describe('a damaged ingest log at start-up', () => {
  it('the last record cut in half: detected, cut off, reported, and recur starts and replays the rest', async () => {
    const { dir, segment } = await crashedState();
    truncateSync(segment, statSync(segment).size - 5);
    expect(await startOn(dir, 'torn')).toEqual({ truncations: 1, written: FRAMES - 1, logged: true });
  }, 60_000);

  it('a flipped byte in the last record: caught by its CRC, cut off, reported, and recur starts', async () => {
    const { dir, segment } = await crashedState();
    const bytes = readFileSync(segment);
    bytes[bytes.length - 3] ^= 0x40;
    writeFileSync(segment, bytes);
    expect(await startOn(dir, 'crc')).toEqual({ truncations: 1, written: FRAMES - 1, logged: true });
  }, 60_000);
});

describe('a corrupt newest snapshot', () => {
  it('falls back to the snapshot before it and replays the log from there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recur-snapfall-'));
    const model = await StreamingModel.load(MODEL);
    const log = await IngestLog.open({ dir: join(dir, 'log') });
    const store = new SnapshotStore(join(dir, 'snapshots'));
    const positions: number[] = [];
    for (let k = 0; k < 20; k++) {
      const frame = { stream: 'boiler', t: T0 + k * 1000, values: Float32Array.of(k / 20) };
      positions.push(log.append(encodeFrame(frame)));
      model.step([frame.stream], frame.values, [frame.t]);
      // Snapshots after frame 9 and frame 14: each reflects the records below the next position.
      if (k === 9 || k === 14) store.save({ position: log.endPosition, sinks: {}, takenAt: new Date().toISOString() }, model.snapshot());
    }
    await log.close();
    const newest = store.positions()[0];
    const file = join(dir, 'snapshots', `snapshot-${String(newest).padStart(20, '0')}.rcds`);
    appendFileSync(file, Buffer.from([1]));
    const fresh = await StreamingModel.load(MODEL);
    const metrics = new DurabilityMetrics(new DaemonMetrics({ processMetrics: false }).registry);
    const intake = await DurableIntake.open(
      { dir, maxLogBytes: 1 << 20, whenFull: 'backpressure', commitIntervalMs: 5, snapshotEveryMs: 60_000, maxPendingFrames: 1000 },
      fresh,
      ['file'],
      metrics,
      pino({ level: 'silent' }),
    );
    expect(intake.replayFrom).toBe(positions[10]);
    expect(fresh.lastTimestamp('boiler')).toBe(T0 + 9 * 1000);
    expect((await metrics.snapshots.get()).values.find((v) => v.labels.result === 'corrupt')?.value).toBe(1);
    await intake.close();
  });
});
