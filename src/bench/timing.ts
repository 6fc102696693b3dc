/** Mean time of fn over repeated runs: a short warm-up, then as many runs as fit in budgetMs (at least 2). */
export function timeIt(fn: () => void, budgetMs: number): { meanUs: number; runs: number } {
  const warmEnd = performance.now() + Math.min(50, budgetMs / 5);
  let warm = 0;
  do {
    fn();
    warm++;
  } while (performance.now() < warmEnd && warm < 20);
  const start = performance.now();
  let runs = 0;
  do {
    fn();
    runs++;
  } while (performance.now() - start < budgetMs || runs < 2);
  return { meanUs: ((performance.now() - start) * 1000) / runs, runs };
}
