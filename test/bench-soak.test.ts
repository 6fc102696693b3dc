import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { faultSchedule } from '../src/bench/soak/faults.js';
import type { SoakReport } from '../src/bench/soak/report.js';
import { leastSquaresSlope, type RssSample, segmentSlopes, weightedSlope } from '../src/bench/soak/slope.js';
import { expectedPerStream, shortfalls } from '../src/bench/soak/stored.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const HOUR = 3_600_000;

describe('RSS slope of a soak run', () => {
  it('is the least-squares slope of a line, exactly, and undefined without two distinct times', () => {
    expect(leastSquaresSlope([0, 1, 2, 3], [5, 7, 9, 11])).toBeCloseTo(2);
    // Noise symmetric around a line leaves its slope.
    expect(leastSquaresSlope([0, 1, 2, 3, 4], [0, 2, 1, 4, 3])).toBeCloseTo(0.8);
    expect(leastSquaresSlope([1], [1])).toBeUndefined();
    expect(leastSquaresSlope([2, 2], [1, 3])).toBeUndefined();
  });

  it('is fitted per process, without each warm-up, and weighted by the time each spans', () => {
    const samples: RssSample[] = [];
    // Process 0: 0-2 h, a warm-up jump in its first 10 minutes, then +10 MB/h.
    for (let m = 0; m <= 120; m += 5) samples.push({ tMs: m * 60_000, mb: m < 10 ? 50 + m * 5 : 100 + (10 * m) / 60, segment: 0 });
    // Process 1 (after a kill, RSS back down): 2-3 h, flat after its own warm-up.
    for (let m = 120; m <= 180; m += 5) samples.push({ tMs: m * 60_000, mb: m - 120 < 10 ? 40 : 80, segment: 1 });
    const slopes = segmentSlopes(samples, 10 * 60_000);
    expect(slopes.map((s) => s.segment)).toEqual([0, 1]);
    expect(slopes[0].mbPerHour).toBeCloseTo(10);
    expect(slopes[0].hours).toBeCloseTo(110 / 60);
    expect(slopes[1].mbPerHour).toBeCloseTo(0);
    expect(slopes[1].hours).toBeCloseTo(50 / 60);
    // (10 x 110 + 0 x 50) / 160 minutes; one line through everything would read the kill as shrinking.
    expect(weightedSlope(slopes)).toBeCloseTo((10 * 110) / 160);
    expect(
      leastSquaresSlope(
        samples.map((s) => s.tMs / HOUR),
        samples.map((s) => s.mb),
      ),
    ).toBeLessThan(0);
  });

  it('leaves out an outage and its catch-up: a temporary bump is not growth', () => {
    const samples: RssSample[] = [];
    for (let m = 0; m <= 60; m++) samples.push({ tMs: m * 60_000, mb: m >= 10 && m <= 14 ? 130 : 100, segment: 0 });
    expect(segmentSlopes(samples, 0)[0].mbPerHour).toBeLessThan(-5);
    expect(segmentSlopes(samples, 0, [{ fromMs: 10 * 60_000, toMs: 14 * 60_000 }])[0].mbPerHour).toBeCloseTo(0);
  });

  it('skips lifetimes too short after warm-up, and is null when none is left', () => {
    const short: RssSample[] = [0, 5_000, 10_000].map((tMs) => ({ tMs, mb: 100 + tMs, segment: 0 }));
    expect(segmentSlopes(short, 60_000)).toEqual([]);
    expect(weightedSlope([])).toBeNull();
  });
});

describe('soak bookkeeping', () => {
  it('schedules faults in turn, none at or after the end', () => {
    expect(faultSchedule(60_000, 15_000, ['influx', 'broker', 'kill'])).toEqual([
      { atMs: 15_000, kind: 'influx' },
      { atMs: 30_000, kind: 'broker' },
      { atMs: 45_000, kind: 'kill' },
    ]);
    expect(faultSchedule(100_000, 20_000, ['kill', 'broker']).map((f) => f.kind)).toEqual(['kill', 'broker', 'kill', 'broker']);
  });

  it('knows what each stream got from the round-robin publisher, and names the streams that are off', () => {
    const expected = expectedPerStream(10, 4); // s0 s1 s2 s3 s0 s1 s2 s3 s0 s1
    expect([...expected.values()]).toEqual([3, 3, 2, 2]);
    const stored = new Map([
      ['s0', 3],
      ['s1', 1],
      ['s2', 2],
    ]);
    expect(shortfalls(expected, stored)).toEqual([
      { stream: 's1', expected: 3, stored: 1 },
      { stream: 's3', expected: 2, stored: 0 },
    ]);
  });
});

describe('recur bench soak (smoke: real mosquitto, recur run and influxd, every fault once)', () => {
  it('loses nothing through an influxd outage, a broker restart and a kill -9, and prints the JSON report', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['dist/cli/main.js', 'bench', 'soak', '--json', '--minutes', '1', '--fault-every-seconds', '15', '--streams', '20', '--rate', '200'],
      { cwd: root, timeout: 110_000, maxBuffer: 16 << 20 },
    );
    const report = JSON.parse(stdout) as SoakReport;
    for (const key of ['published', 'written', 'maxLogBytes', 'lost', 'unacked']) expect(typeof report[key as keyof SoakReport]).toBe('number');
    expect(report.faults.map((f) => f.kind)).toEqual(['influx', 'broker', 'kill']);
    expect(report.faults.length).toBeGreaterThanOrEqual(2);
    expect(report.published).toBeGreaterThan(5_000);
    expect(report.written).toBe(report.published);
    expect(report.lost).toBe(0);
    expect(report.unacked).toBe(0);
    expect(report.recur.processes).toBe(2);
    expect(report.exitCode).toBe(0);
    expect(report.maxLogBytes).toBeGreaterThan(0);
    expect(report.rss.length).toBeGreaterThan(5);
    expect(report.rss[0]).toMatchObject({ tMs: expect.any(Number), mb: expect.any(Number), segment: 0 });
    expect(report.logBytes[0]).toMatchObject({ tMs: expect.any(Number), bytes: expect.any(Number) });
    expect(report.rssSlopeMbPerHour === null || typeof report.rssSlopeMbPerHour === 'number').toBe(true);
    expect(report.workDir).toBeNull();
  }, 120_000);
});
