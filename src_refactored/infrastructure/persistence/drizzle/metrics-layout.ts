/**
 * How metrics live in the `metrics` table (queue, kind, minute, count):
 * - kind 'completed' | 'failed', minute = epoch minute  → jobs finished in that minute (getMetrics);
 * - kind 'completed' | 'failed', minute = -1            → all-time total (Prometheus counters);
 * - kind '<processing|wait>_ms_bucket', minute = bucket → jobs whose time fell in that histogram bucket,
 *   the "minute" column holding the bucket's upper bound in ms (-2 for +Inf);
 * - kind '<processing|wait>_ms_sum', minute = -1        → sum of those times in ms.
 */
export const ALL_TIME = -1;
export const INF_BUCKET = -2;

/** Histogram upper bounds (ms): 5 ms … 1 h, the range of a job from a thumbnail to an agent run. */
export const HISTOGRAM_BOUNDS_MS = [
  5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000,
] as const;

export function bucketOf(ms: number): number {
  for (const bound of HISTOGRAM_BOUNDS_MS) if (ms <= bound) return bound;
  return INF_BUCKET;
}

export function minuteOf(epochMs: number): number {
  return Math.floor(epochMs / 60_000);
}

/** Per-minute rows are kept this many minutes (one week, BullMQ's MetricsTime.ONE_WEEK). */
export const METRICS_RETENTION_MINUTES = 7 * 24 * 60;

/** What the metrics need of a finished job, returned by the statement that finished it. */
export interface FinishedTimes {
  timestamp: number;
  delay: number;
  processed_on: number | null;
}

/**
 * The (kind, minute, amount) rows one finished job adds to: its minute and the all-time total, and when
 * its times are known the processing and wait histograms and sums. `times` is undefined for a job failed
 * by the stalled sweep. Both adapters' recorders aggregate these per transaction.
 */
export function finishedObservations(
  kind: 'completed' | 'failed',
  times: FinishedTimes | undefined,
  now: number,
): [kind: string, minute: number, amount: number][] {
  const rows: [string, number, number][] = [[kind, minuteOf(now), 1], [kind, ALL_TIME, 1]];
  if (times === undefined || times.processed_on === null) return rows;
  const processing = Math.max(0, now - times.processed_on);
  const wait = Math.max(0, times.processed_on - (times.timestamp + times.delay));
  rows.push(
    ['processing_ms_bucket', bucketOf(processing), 1],
    ['processing_ms_sum', ALL_TIME, processing],
    ['wait_ms_bucket', bucketOf(wait), 1],
    ['wait_ms_sum', ALL_TIME, wait],
  );
  return rows;
}
