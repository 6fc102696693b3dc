import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { orderGuard } from '../../src/sources/order-guard.js';

const frame = (stream: string, t: number, value = t): Frame => ({ stream, t, values: new Float32Array([value]) });

describe('orderGuard', () => {
  it('drops late and repeated timestamps per stream, leaving other streams alone; an exact repeat is no error', async () => {
    const rejected: string[] = [];
    const out = await lastValueFrom(
      from([frame('a', 1), frame('b', 5), frame('a', 2), frame('a', 2, 7), frame('a', 2), frame('b', 6), frame('a', 1.5), frame('a', 3)]).pipe(
        orderGuard((f, error) => rejected.push(`${f.stream}@${f.t}:${error.code}`)),
        toArray(),
      ),
    );
    expect(out.map((f) => `${f.stream}@${f.t}`)).toEqual(['a@1', 'b@5', 'a@2', 'b@6', 'a@3']);
    expect(rejected).toEqual(['a@2:RECUR_E_DUPLICATE_TIMESTAMP', 'a@1.5:RECUR_E_OUT_OF_ORDER']);
  });
});
