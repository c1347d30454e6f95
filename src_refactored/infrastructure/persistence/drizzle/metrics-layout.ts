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
