import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Watermark } from '../../src/durability/watermark.js';

describe('Watermark', () => {
  it('is the position below which every added record is finished, whatever order they finish in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 300 }), fc.infiniteStream(fc.nat()), (lengths, picks) => {
        const mark = new Watermark(100);
        const records: [number, number][] = [];
        let at = 100;
        for (const length of lengths) {
          mark.add(at, at + length);
          records.push([at, at + length]);
          at += length;
        }
        const open = [...records];
        const finished = new Set<number>();
        const it = picks[Symbol.iterator]();
        while (open.length > 0) {
          const [position] = open.splice(it.next().value % open.length, 1)[0];
          mark.finish(position);
          finished.add(position);
          const firstOpen = records.find(([p]) => !finished.has(p));
          expect(mark.value).toBe(firstOpen ? firstOpen[0] : at);
        }
        expect(mark.backlog).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses positions that go back', () => {
    const mark = new Watermark(0);
    mark.add(0, 10);
    expect(() => mark.add(5, 12)).toThrow(/at or after 10/);
  });

  it('ignores unknown and repeated positions', () => {
    const mark = new Watermark(0);
    mark.add(0, 10);
    mark.add(10, 20);
    mark.finish(3);
    mark.finish(0);
    mark.finish(0);
    expect(mark.value).toBe(10);
    expect(mark.pending).toBe(1);
  });
});
