import { fileURLToPath } from 'node:url';

/** The recur child moved into shipped code (bench e2e and soak start it too); tests keep this path. */
export { killRecurChildren, RecurChild } from '../../src/testing/recur-child.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Polls `probe` until it returns something other than undefined; throws after `ms`. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
