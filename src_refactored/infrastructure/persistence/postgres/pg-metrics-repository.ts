import type {
  HistogramSnapshot,
  IMetricsRepository,
  QueueMetricsSnapshot,
} from '../../../core/application/ports/metrics-repository.port.js';
import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';
import { ALL_TIME, HISTOGRAM_BOUNDS_MS, INF_BUCKET } from '../drizzle/metrics-layout.js';

type MinuteCount = { minute: number; count: number };

/** Reads the `metrics` table (layout in ../drizzle/metrics-layout.ts); every query is a primary-key range. */
export class PgMetricsRepository implements IMetricsRepository {
  private readonly s = {
    range: pgSql<MinuteCount>('SELECT minute, count FROM metrics WHERE queue = @queue AND kind = @kind AND minute BETWEEN @from AND @to'),
    oldest: pgSql<{ minute: number | null }>('SELECT min(minute) AS minute FROM metrics WHERE queue = @queue AND kind = @kind AND minute >= 0'),
    // Every row of the queue in one round trip (a few dozen: totals, histogram buckets, sums, recent minutes).
    kinds: pgSql<MinuteCount & { kind: string }>('SELECT kind, minute, count FROM metrics WHERE queue = @queue AND kind = ANY(@kinds::text[])'),
  };

  constructor(private readonly store: PgStore) {}

  perMinute(queue: string, kind: 'completed' | 'failed', fromMinute: number, toMinute: number): Promise<Map<number, number>> {
    return this.store.tx.read(async () => {
      const rows = await this.s.range.all(this.store.tx.ex, { queue, kind, from: Math.max(0, fromMinute), to: toMinute });
      return new Map(rows.map((r) => [r.minute, r.count]));
    });
  }

  oldestMinute(queue: string, kind: 'completed' | 'failed'): Promise<number | null> {
    return this.store.tx.read(async () => (await this.s.oldest.get(this.store.tx.ex, { queue, kind }))?.minute ?? null);
  }

  snapshot(queue: string): Promise<QueueMetricsSnapshot> {
    return this.store.tx.read(async () => {
      const kinds = ['completed', 'failed', 'processing_ms_bucket', 'processing_ms_sum', 'wait_ms_bucket', 'wait_ms_sum'];
      const rows = await this.s.kinds.all(this.store.tx.ex, { queue, kinds });
      const of = (kind: string) => rows.filter((r) => r.kind === kind);
      const total = (kind: string) => of(kind).find((r) => r.minute === ALL_TIME)?.count ?? 0;
      const histogram = (name: 'processing' | 'wait'): HistogramSnapshot => {
        const perBucket = new Map(of(`${name}_ms_bucket`).map((r) => [r.minute, r.count]));
        let running = 0;
        const buckets = HISTOGRAM_BOUNDS_MS.map((le) => ({ le, count: (running += perBucket.get(le) ?? 0) }));
        return { buckets, count: running + (perBucket.get(INF_BUCKET) ?? 0), sumMs: total(`${name}_ms_sum`) };
      };
      return { completedTotal: total('completed'), failedTotal: total('failed'), processingTime: histogram('processing'), waitTime: histogram('wait') };
    });
  }
}
