/**
 * Count retention trims in batches: `count: n` keeps the newest n finished jobs, and lets up to
 * n/10 (at most 100) more accumulate before deleting the excess in one statement. Deleting the oldest job
 * on every completion rewrote the same old pages of the row tree and five indexes in every commit
 * (SQLite W3: retention was 17 % of the CPU, and ~6 of the ~20 WAL pages of a job's commit). Below n = 10 the
 * slack is 0 and the trim is exact, as before.
 */
export function retentionSlack(count: number): number {
  return Math.min(100, Math.floor(count / 10));
}
