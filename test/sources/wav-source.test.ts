import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import type { Rejected, ResumeHooks } from '../../src/sources/types.js';
import { type WavSourceOptions, wavSource } from '../../src/sources/wav/wav-source.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-wav-source-'));
const at = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  execFileSync('espeak-ng', ['-w', at('hello.wav'), 'hello']); // 22050 Hz mono 16-bit
  // Three channels of 24-bit: sox writes WAVE_FORMAT_EXTENSIBLE, which node-wav alone cannot read.
  execFileSync('sox', ['-n', '-r', '44100', '-b', '24', '-c', '3', at('tone.wav'), 'synth', '1', 'sine', '1000']);
  // 12 kHz is above the Nyquist frequency of 16 kHz: a proper resampler removes it instead of folding it to 4 kHz.
  execFileSync('sox', ['-n', '-r', '44100', '-b', '16', '-c', '1', at('high.wav'), 'synth', '1', 'sine', '12000']);
  const good = readFileSync(at('hello.wav'));
  writeFileSync(at('broken-header.wav'), Buffer.concat([Buffer.from('RIFX'), good.subarray(4)]));
  writeFileSync(at('truncated.wav'), good.subarray(0, 1000));
  const badFormat = Buffer.from(good);
  badFormat.writeUInt16LE(0x55, 20); // MP3 in a WAV container
  writeFileSync(at('mp3-in-wav.wav'), badFormat);
});

async function play(options: WavSourceOptions, resume?: ResumeHooks) {
  const rejected: Rejected[] = [];
  const frames = await lastValueFrom(wavSource(options, { onReject: (r) => rejected.push(r), resume }).pipe(toArray()));
  return { frames, rejected };
}

const rms = (frames: Frame[], skip = 0) => {
  let sum = 0;
  let n = 0;
  for (const frame of frames.slice(skip, frames.length - skip))
    for (const v of frame.values) {
      sum += v * v;
      n++;
    }
  return Math.sqrt(sum / n);
};

describe('wavSource', () => {
  it('resamples espeak speech from 22050 Hz to 16 kHz in fixed-size frames with speech energy', async () => {
    const samples22k = (readFileSync(at('hello.wav')).length - 44) / 2;
    const { frames, rejected } = await play({ path: at('hello.wav'), rate: 16_000, hop: 160 });
    expect(rejected).toEqual([]);
    expect(frames).toHaveLength(Math.ceil(Math.round((samples22k * 16_000) / 22_050) / 160));
    expect(frames.every((f) => f.values.length === 160 && f.stream === 'hello')).toBe(true);
    expect(frames.map((f) => f.t).slice(0, 3)).toEqual([0, 10, 20]);
    expect(rms(frames)).toBeGreaterThan(0.01);
    expect(frames.every((f) => f.values.every((v) => Number.isFinite(v) && Math.abs(v) <= 1.01))).toBe(true);
  });

  it('reads 24-bit 3-channel WAVE_FORMAT_EXTENSIBLE, downmixes and resamples 44.1 kHz to 16 kHz', async () => {
    const { frames, rejected } = await play({ path: at('tone.wav'), rate: 16_000, hop: 400, startMs: 5000, stream: 'tone' });
    expect(rejected).toEqual([]);
    expect(frames).toHaveLength(40);
    expect(frames[1]).toMatchObject({ stream: 'tone', t: 5025 });
    // sox's sine is at about 0.7 peak here (RMS 0.4985 before resampling); three equal channels average to the same.
    expect(rms(frames, 2)).toBeCloseTo(0.4985, 2);
  });

  it('filters out content above the new Nyquist frequency instead of aliasing it', async () => {
    const filtered = await play({ path: at('high.wav'), rate: 16_000, quality: 'medium' });
    const held = await play({ path: at('high.wav'), rate: 16_000, quality: 'hold' });
    expect(rms(held.frames, 5)).toBeGreaterThan(0.3); // the 12 kHz tone folded to 4 kHz
    expect(rms(filtered.frames, 5)).toBeLessThan(0.01);
  });

  it('rejects corrupt files with WAV_CORRUPT and plays the next file', async () => {
    const { frames, rejected } = await play({ path: [at('broken-header.wav'), at('truncated.wav'), at('mp3-in-wav.wav'), at('hello.wav')] });
    expect(rejected.map((r) => [r.code, r.origin, r.source])).toEqual([
      ['RECUR_E_WAV_CORRUPT', at('broken-header.wav'), 'wav'],
      ['RECUR_E_WAV_CORRUPT', at('truncated.wav'), 'wav'],
      ['RECUR_E_WAV_CORRUPT', at('mp3-in-wav.wav'), 'wav'],
    ]);
    expect(rejected[0].message).toContain('expected a RIFF/WAVE header, received "RIFX');
    expect(rejected[0].encoding).toBe('base64');
    expect(rejected[1].message).toMatch(/truncated/);
    expect(rejected[2].message).toMatch(/received format 85/);
    expect(frames.length).toBeGreaterThan(50);
    expect(new Set(frames.map((f) => f.stream))).toEqual(new Set(['hello']));
  });

  it('errors with SOURCE_UNAVAILABLE for a file that does not exist', async () => {
    await expect(play({ path: at('missing.wav') })).rejects.toMatchObject({ code: 'RECUR_E_SOURCE_UNAVAILABLE' });
  });

  it('with the ingest log: stamps frames with [file, frames taken] and resumes after the cursor, across files', async () => {
    const options = { path: [at('hello.wav'), at('broken-header.wav'), at('tone.wav')], hop: 400 };
    const fresh: ResumeHooks = { cursor: () => undefined, room: () => undefined };
    const all = (await play(options, fresh)).frames;
    const source = `wav:${options.path.join(',')}`;
    expect(all.every((f) => f.cursor?.source === source)).toBe(true);
    const firstOfTone = all.findIndex((f) => f.stream === 'tone');
    expect(all[firstOfTone].cursor?.at).toEqual([2, 1]);
    const plain = ({ cursor: _, ...frame }: Frame) => frame;
    for (const k of [0, 7, firstOfTone - 1, firstOfTone + 3, all.length - 1]) {
      const rest = (await play(options, { cursor: (name) => (name === source ? all[k].cursor?.at : undefined), room: () => undefined })).frames;
      expect(rest.map(plain)).toEqual(all.slice(k + 1).map(plain));
    }
  });
});
