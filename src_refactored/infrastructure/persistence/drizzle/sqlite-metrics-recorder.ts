import type { SqliteDb } from './sqlite-database.js';
import { finishedObservations, METRICS_RETENTION_MINUTES, type FinishedTimes } from './metrics-layout.js';


/**
 * Collects the completions and failures of one settle transaction and writes them, in that same
 * transaction, as a handful of upserts into `metrics` (see metrics-layout.ts): a burst of 500
 * completions in one commit costs ~8 upserts, not 500. Old per-minute rows are deleted once per queue
 * and kind when a new minute starts (a primary-key range delete).
 */
export class SqliteMetricsRecorder {
  private readonly pending = new Map<string, { queue: string; kind: string; minute: number; count: number }>();
  private readonly trimmedMinute = new Map<string, number>();
  private readonly s;

  constructor(db: SqliteDb) {
    this.s = {
      upsert: db.prepare(
        `INSERT INTO metrics (queue, kind, minute, count) VALUES (?, ?, ?, ?)
         ON CONFLICT (queue, kind, minute) DO UPDATE SET count = count + excluded.count`,
      ),
      trim: db.prepare('DELETE FROM metrics WHERE queue = ? AND kind = ? AND minute >= 0 AND minute < ?'),
    };
  }

  /** One job finished (`times` undefined when unknown, e.g. a stalled job failed by the sweep). */
  observe(queue: string, kind: 'completed' | 'failed', times: FinishedTimes | undefined, now: number): void {
    for (const [k, minute, amount] of finishedObservations(kind, times, now)) this.add(queue, k, minute, amount);
  }

  /** Forgets observations of a transaction that failed before its flush (called as a settle starts). */
  discard(): void {
    this.pending.clear();
  }

  /** Writes what was observed since the last flush; called at the end of the transaction's work. */
  flush(): void {
    if (this.pending.size === 0) return;
    for (const { queue, kind, minute, count } of this.pending.values()) {
      this.s.upsert.run(queue, kind, minute, count);
      if (minute >= 0 && (kind === 'completed' || kind === 'failed')) this.trim(queue, kind, minute);
    }
    this.pending.clear();
  }

  private trim(queue: string, kind: string, minute: number): void {
    const key = `${queue}\u0000${kind}`;
    if (this.trimmedMinute.get(key) === minute) return;
    this.trimmedMinute.set(key, minute);
    this.s.trim.run(queue, kind, minute - METRICS_RETENTION_MINUTES);
  }

  private add(queue: string, kind: string, minute: number, count: number): void {
    const key = `${queue}\u0000${kind}\u0000${minute}`;
    const entry = this.pending.get(key);
    if (entry !== undefined) entry.count += count;
    else this.pending.set(key, { queue, kind, minute, count });
  }
}
