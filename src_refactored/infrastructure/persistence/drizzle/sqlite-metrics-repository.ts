import type {
  HistogramSnapshot,
  IMetricsRepository,
  QueueMetricsSnapshot,
} from '../../../core/application/ports/metrics-repository.port.js';
import type { SqliteDb } from './sqlite-database.js';
import { ALL_TIME, HISTOGRAM_BOUNDS_MS, INF_BUCKET } from './metrics-layout.js';
import { SqliteMetricsRecorder } from './sqlite-metrics-recorder.js';

/**
 * Reads the `metrics` table (layout in metrics-layout.ts); every query is a primary-key range. Each read
 * first writes this process's observations still held by its recorder, so a process reads its own figures.
 */
export class SqliteMetricsRepository implements IMetricsRepository {
  private readonly s;

  constructor(private readonly db: SqliteDb) {
    this.s = {
      range: db.prepare<[string, string, number, number], { minute: number; count: number }>(
        'SELECT minute, count FROM metrics WHERE queue = ? AND kind = ? AND minute BETWEEN ? AND ?',
      ),
      oldest: db.prepare<[string, string], number | null>('SELECT min(minute) FROM metrics WHERE queue = ? AND kind = ? AND minute >= 0').pluck(),
      kind: db.prepare<[string, string], { minute: number; count: number }>('SELECT minute, count FROM metrics WHERE queue = ? AND kind = ?'),
    };
  }

  async perMinute(queue: string, kind: 'completed' | 'failed', fromMinute: number, toMinute: number): Promise<Map<number, number>> {
    SqliteMetricsRecorder.writeUnwritten(this.db);
    return new Map(this.s.range.all(queue, kind, Math.max(0, fromMinute), toMinute).map((r) => [r.minute, r.count]));
  }

  async oldestMinute(queue: string, kind: 'completed' | 'failed'): Promise<number | null> {
    SqliteMetricsRecorder.writeUnwritten(this.db);
    return this.s.oldest.get(queue, kind) ?? null;
  }

  async snapshot(queue: string): Promise<QueueMetricsSnapshot> {
    SqliteMetricsRecorder.writeUnwritten(this.db);
    const total = (kind: string) => this.s.kind.all(queue, kind).find((r) => r.minute === ALL_TIME)?.count ?? 0;
    return {
      completedTotal: total('completed'),
      failedTotal: total('failed'),
      processingTime: this.histogram(queue, 'processing'),
      waitTime: this.histogram(queue, 'wait'),
    };
  }

  private histogram(queue: string, name: 'processing' | 'wait'): HistogramSnapshot {
    const perBucket = new Map(this.s.kind.all(queue, `${name}_ms_bucket`).map((r) => [r.minute, r.count]));
    let running = 0;
    const buckets = HISTOGRAM_BOUNDS_MS.map((le) => ({ le, count: (running += perBucket.get(le) ?? 0) }));
    const count = running + (perBucket.get(INF_BUCKET) ?? 0);
    const sumMs = this.s.kind.all(queue, `${name}_ms_sum`).find((r) => r.minute === ALL_TIME)?.count ?? 0;
    return { buckets, count, sumMs };
  }
}
