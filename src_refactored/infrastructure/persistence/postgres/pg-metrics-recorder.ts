import type { PgExecutor } from './pg-connection.js';
import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';
import { METRICS_RETENTION_MINUTES, type FinishedTimes } from '../drizzle/metrics-layout.js';
import { MetricsTally, type MetricRow } from '../drizzle/metrics-tally.js';

/**
 * The PostgreSQL twin of SqliteMetricsRecorder: the completions and failures of one transaction become a
 * handful of upserts into `metrics` (see metrics-layout.ts), written in that transaction.
 *
 * Two differences, both because transactions here overlap (in one process and across processes):
 * - observations are kept per transaction (keyed by its executor), so two settles in flight in one
 *   engine never flush or discard each other's counts; a rolled-back attempt's map is simply dropped;
 * - the repository flushes LAST in its transaction, and the upserts go in key order: the metrics rows
 *   are among the hottest rows of a queue, and taking them after every other lock, in one order, keeps
 *   concurrent settles from deadlocking on them (a deadlock costs deadlock_timeout, 1 s by default).
 */
export class PgMetricsRecorder {
  private readonly pending = new WeakMap<PgExecutor, MetricsTally>();
  private readonly trimmedMinute = new Map<string, number>();
  private readonly s;

  constructor(private readonly store: PgStore) {
    this.s = {
      // All of a transaction's rows in one round trip (keys are distinct, as ON CONFLICT requires).
      upsert: pgSql(
        `INSERT INTO metrics (queue, kind, minute, count)
         SELECT * FROM unnest(@queues::text[], @kinds::text[], @minutes::bigint[], @counts::bigint[])
         ON CONFLICT (queue, kind, minute) DO UPDATE SET count = metrics.count + excluded.count`,
      ),
      trim: pgSql('DELETE FROM metrics WHERE queue = @queue AND kind = @kind AND minute >= 0 AND minute < @before'),
    };
  }

  /** One job finished (`times` undefined when unknown, e.g. a stalled job failed by the sweep). */
  observe(queue: string, kind: 'completed' | 'failed', times: FinishedTimes | undefined, now: number): void {
    const ex = this.store.tx.ex;
    let tally = this.pending.get(ex);
    if (tally === undefined) this.pending.set(ex, (tally = new MetricsTally()));
    tally.observe(queue, kind, times, now);
  }

  /** Forgets what this transaction observed so far. */
  discard(): void {
    this.pending.delete(this.store.tx.ex);
  }

  /** Writes what this transaction observed since its last flush; call it as the transaction's last work. */
  async flush(): Promise<void> {
    const ex = this.store.tx.ex;
    const tally = this.pending.get(ex);
    if (tally === undefined) return;
    this.pending.delete(ex);
    const rows = [...tally.rows()].sort((a, b) => (lockOrderKey(a) < lockOrderKey(b) ? -1 : 1));
    await this.s.upsert.run(ex, {
      queues: rows.map((r) => r.queue),
      kinds: rows.map((r) => r.kind),
      minutes: rows.map((r) => r.minute),
      counts: rows.map((r) => r.count),
    });
    for (const { queue, kind, minute } of rows) {
      if (minute >= 0 && (kind === 'completed' || kind === 'failed')) await this.trim(ex, queue, kind, minute);
    }
  }

  private async trim(ex: PgExecutor, queue: string, kind: string, minute: number): Promise<void> {
    const key = `${queue}\u0000${kind}`;
    if (this.trimmedMinute.get(key) === minute) return;
    this.trimmedMinute.set(key, minute);
    await this.s.trim.run(ex, { queue, kind, before: minute - METRICS_RETENTION_MINUTES });
  }
}

/**
 * The upserts' order: every process takes the metrics rows' locks in this one order. The same string
 * order as before the tally (minute compared as text), so processes of both versions agree during an upgrade.
 */
function lockOrderKey({ queue, kind, minute }: MetricRow): string {
  return `${queue}\u0000${kind}\u0000${minute}`;
}
