import { describe, expect, it } from 'vitest';
import { EvictedStreams } from '../../src/durability/evicted-streams.js';

describe('EvictedStreams', () => {
  it('forgets the oldest eviction past its bound, and counts it; a stream evicted again is the newest', () => {
    let forgotten = 0;
    const evicted = new EvictedStreams(2, () => forgotten++, { a: 1, b: 2 });
    evicted.remember('a', 3); // a again: now newer than b
    evicted.remember('c', 4);
    expect(forgotten).toBe(1);
    expect(evicted.toRecord()).toEqual({ a: 3, c: 4 });
    evicted.returned('a');
    expect(evicted.lastTimestamp('a')).toBeUndefined();
    expect(evicted.size).toBe(1);
  });
});
