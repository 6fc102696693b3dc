import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, IngestLog } from '../../src/durability/ingest-log/index.js';
import { ErrorCodes, isRecurError } from '../../src/errors.js';
import type { Frame } from '../../src/frame.js';
import { thrown } from '../helpers/thrown.js';

const bytesOf = (values: Float32Array) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

function expectSame(back: Frame, frame: Frame): void {
  expect(back.stream).toBe(frame.stream);
  expect(Object.is(back.t, frame.t)).toBe(true);
  expect(bytesOf(back.values)).toEqual(bytesOf(frame.values));
}

describe('frame codec', () => {
  it('round-trips any stream id, time and float32 values exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.double(), fc.float32Array({ maxLength: 64 }), (stream, t, values) => {
        const frame = { stream, t, values };
        expectSame(decodeFrame(encodeFrame(frame)), frame);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips a read cursor (a file or WAV position) with the frame', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.float32Array({ maxLength: 8 }),
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.array(fc.double(), { maxLength: 6 }),
        (stream, values, source, at) => {
          const frame = { stream, t: 1, values, cursor: { source, at } };
          const back = decodeFrame(encodeFrame(frame));
          expectSame(back, frame);
          expect(back.cursor?.source).toBe(source);
          expect(back.cursor?.at.length).toBe(at.length);
          expect(back.cursor?.at.every((n, i) => Object.is(n, at[i]))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    const plain = encodeFrame({ stream: 's', t: 0, values: new Float32Array(1) });
    const withCursor = encodeFrame({ stream: 's', t: 0, values: new Float32Array(1), cursor: { source: 'file:a', at: [10, 2] } });
    expect(decodeFrame(plain).cursor).toBeUndefined();
    for (const cut of [withCursor.subarray(0, withCursor.byteLength - 1), withCursor.subarray(0, plain.byteLength + 1)]) {
      expect(
        isRecurError(
          thrown(() => decodeFrame(cut)),
          ErrorCodes.LOG_CORRUPT,
        ),
      ).toBe(true);
    }
  });

  it('is compact: 13 bytes of header, then the id and 4 bytes per value', () => {
    expect(encodeFrame({ stream: 'ab', t: 1, values: new Float32Array(3) }).byteLength).toBe(13 + 2 + 12);
  });

  it('copies values out of a view into a larger buffer', () => {
    const values = new Float32Array([9, 1.5, -2, 9]).subarray(1, 3);
    expect(decodeFrame(encodeFrame({ stream: 's', t: 0, values })).values).toEqual(new Float32Array([1.5, -2]));
  });

  it('refuses what the layout cannot hold, and bytes that are not a frame', () => {
    expect(
      isRecurError(
        thrown(() => encodeFrame({ stream: 'x'.repeat(70_000), t: 0, values: new Float32Array(1) })),
        ErrorCodes.PAYLOAD_TOO_LARGE,
      ),
    ).toBe(true);
    expect(
      isRecurError(
        thrown(() => encodeFrame({ stream: 's', t: 0, values: new Float32Array(70_000) })),
        ErrorCodes.PAYLOAD_TOO_LARGE,
      ),
    ).toBe(true);
    const good = encodeFrame({ stream: 'sensor', t: 5, values: new Float32Array([1, 2]) });
    const broken = [
      good.subarray(0, 2),
      good.subarray(0, good.byteLength - 1),
      Uint8Array.from([...good, 0]),
      Uint8Array.from(good, (b, i) => (i === 0 ? 2 : b)),
      Uint8Array.from(good, (b, i) => (i === 3 ? 0xff : b)),
    ];
    for (const bytes of broken)
      expect(
        isRecurError(
          thrown(() => decodeFrame(bytes)),
          ErrorCodes.LOG_CORRUPT,
        ),
      ).toBe(true);
  });

  it('frames survive the log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recur-frame-log-'));
    try {
      const log = await IngestLog.open({ dir });
      const frames: Frame[] = Array.from({ length: 50 }, (_, i) => ({
        stream: `s${i % 3}`,
        t: 1_700_000_000_000 + i,
        values: new Float32Array([i, -i, i / 3]),
      }));
      for (const frame of frames) log.append(encodeFrame(frame));
      await log.close();
      const reopened = await IngestLog.open({ dir });
      const back = [...reopened.read(0)].map((r) => decodeFrame(r.payload));
      await reopened.close();
      expect(back).toHaveLength(50);
      back.forEach((frame, i) => {
        expectSame(frame, frames[i]);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
