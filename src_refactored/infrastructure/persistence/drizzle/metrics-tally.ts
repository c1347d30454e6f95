import { ALL_TIME, bucketOf, minuteOf, type FinishedTimes } from './metrics-layout.js';

/** One `metrics` row's worth of observations (layout in metrics-layout.ts). */
export interface MetricRow {
  queue: string;
  kind: string;
  minute: number;
  count: number;
}

/**
 * Finished jobs summed into the rows they add to (metrics-layout.ts), per (queue, kind, minute). Nested
 * maps rather than one map keyed by a `queue\0kind\0minute` string: a finished job adds to six rows, and
 * building and hashing six new key strings per job was ~2.4 µs of W4's per-job CPU (0.3 µs this way,
 * `.scratch/observe-bench.mts`). Both adapters' recorders keep their observations in one.
 */
export class MetricsTally {
  private readonly queues = new Map<string, Map<string, Map<number, MetricRow>>>();

  get isEmpty(): boolean {
    return this.queues.size === 0;
  }

  /** One job finished (`times` undefined when unknown, e.g. a stalled job failed by the sweep). */
  observe(queue: string, kind: 'completed' | 'failed', times: FinishedTimes | undefined, now: number): void {
    const kinds = this.kindsOf(queue);
    add(kinds, queue, kind, minuteOf(now), 1);
    add(kinds, queue, kind, ALL_TIME, 1);
    if (times === undefined || times.processed_on === null) return;
    const processing = Math.max(0, now - times.processed_on);
    const wait = Math.max(0, times.processed_on - (times.timestamp + times.delay));
    add(kinds, queue, 'processing_ms_bucket', bucketOf(processing), 1);
    add(kinds, queue, 'processing_ms_sum', ALL_TIME, processing);
    add(kinds, queue, 'wait_ms_bucket', bucketOf(wait), 1);
    add(kinds, queue, 'wait_ms_sum', ALL_TIME, wait);
  }

  /** Adds `other`'s counts to this tally's (`other` is left as it was). */
  merge(other: MetricsTally): void {
    for (const row of other.rows()) add(this.kindsOf(row.queue), row.queue, row.kind, row.minute, row.count);
  }

  *rows(): IterableIterator<MetricRow> {
    for (const kinds of this.queues.values()) for (const minutes of kinds.values()) yield* minutes.values();
  }

  private kindsOf(queue: string): Map<string, Map<number, MetricRow>> {
    let kinds = this.queues.get(queue);
    if (kinds === undefined) this.queues.set(queue, (kinds = new Map()));
    return kinds;
  }
}

function add(kinds: Map<string, Map<number, MetricRow>>, queue: string, kind: string, minute: number, count: number): void {
  let minutes = kinds.get(kind);
  if (minutes === undefined) kinds.set(kind, (minutes = new Map()));
  const row = minutes.get(minute);
  if (row !== undefined) row.count += count;
  else minutes.set(minute, { queue, kind, minute, count });
}
