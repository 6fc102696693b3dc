/** Polls a condition every `everyMs` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what = 'condition', timeoutMs = 10_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`expected ${what} within ${timeoutMs} ms, it did not happen`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
