/** Cumulative histogram: jobs whose time was ≤ each bound (ms), as Prometheus wants it. */
export interface HistogramSnapshot {
  buckets: { le: number; count: number }[];
  /** Every observation, the +Inf bucket. */
  count: number;
  sumMs: number;
}

export interface QueueMetricsSnapshot {
  completedTotal: number;
  failedTotal: number;
  processingTime: HistogramSnapshot;
  waitTime: HistogramSnapshot;
}

/**
 * Reading the metrics the store records as jobs finish (per-minute completed/failed counts with bounded
 * retention, all-time totals, wait and processing-time histograms). Written by the settle itself.
 */
export interface IMetricsRepository {
  /** Counts per minute in [fromMinute, toMinute] (epoch minutes); minutes without jobs are absent. */
  perMinute(queue: string, kind: 'completed' | 'failed', fromMinute: number, toMinute: number): Promise<Map<number, number>>;
  /** Oldest minute still stored for the queue and kind, or null. */
  oldestMinute(queue: string, kind: 'completed' | 'failed'): Promise<number | null>;
  snapshot(queue: string): Promise<QueueMetricsSnapshot>;
}

export const METRICS_REPOSITORY = Symbol.for('bullite.IMetricsRepository');
