import type { SqliteDb } from './sqlite-database.js';
import { METRICS_RETENTION_MINUTES, type FinishedTimes } from './metrics-layout.js';
import { MetricsTally, type MetricRow } from './metrics-tally.js';
import { SqliteTransactor } from './sqlite-transactor.js';
import { joinTransactions, type TransactionParticipant } from './transaction-participants.js';

/**
 * Committed observations wait at most this long (wall time) before their rows are written. Writing them
 * with every settle cost a job at concurrency 1 six upserts and one or two more WAL pages per commit.
 */
const WRITE_AFTER_MS = 1000;

const recorders = new WeakMap<SqliteDb, SqliteMetricsRecorder>();

/**
 * Collects the completions and failures of each write transaction and adds them to `metrics` (layout in
 * metrics-layout.ts) at most once a second: the rows are written by whichever write transaction commits
 * once the oldest unwritten observation is a second old (a timer commits an empty one if none comes),
 * by a read of the metrics in this process, and at close. A burst of 500 completions costs ~8 upserts.
 *
 * What that changes: another process reads this one's figures up to a second late, and a crash loses at
 * most the last second's observations (the jobs themselves are committed with their step as before).
 * Observations of a transaction that rolled back are dropped. One recorder per database handle.
 */
export class SqliteMetricsRecorder implements TransactionParticipant {
  /**
   * This transaction's observations. Replaced rather than cleared: a cleared V8 Map keeps a link to its
   * successor table, so each settle's table kept the next alive through young GCs (W3 promoted 51 → 38 MB).
   */
  private pending = new MetricsTally();
  /** Committed observations whose rows are not written yet. */
  private unwritten = new MetricsTally();
  private unwrittenSince = 0;
  private writeNowRequested = false;
  private wroteInTransaction = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly trimmedMinute = new Map<string, number>();
  private readonly tx: SqliteTransactor;
  private readonly s;

  /** The recorder of `db`, made (and joined to its write transactions) on first use. */
  static of(db: SqliteDb): SqliteMetricsRecorder {
    let recorder = recorders.get(db);
    if (recorder === undefined) {
      recorder = new SqliteMetricsRecorder(db);
      recorders.set(db, recorder);
      joinTransactions(db, recorder);
    }
    return recorder;
  }

  /** Writes what `db`'s recorder holds, if it has one (before a read of the metrics, and at close). */
  static writeUnwritten(db: SqliteDb): void {
    recorders.get(db)?.writeNow();
  }

  private constructor(private readonly db: SqliteDb) {
    this.tx = new SqliteTransactor(db);
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
    this.pending.observe(queue, kind, times, now);
  }

  begin(): void {
    this.forgetPending();
    this.wroteInTransaction = false;
  }

  beforeCommit(): void {
    const due = !this.unwritten.isEmpty && performance.now() - this.unwrittenSince >= WRITE_AFTER_MS;
    if (!due && !this.writeNowRequested) return;
    for (const row of this.unwritten.rows()) this.write(row);
    for (const row of this.pending.rows()) this.write(row);
    this.wroteInTransaction = true;
  }

  afterCommit(): void {
    this.writeNowRequested = false;
    if (this.wroteInTransaction) {
      this.unwritten = new MetricsTally();
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (!this.pending.isEmpty) {
      if (this.unwritten.isEmpty) this.unwrittenSince = performance.now();
      this.unwritten.merge(this.pending);
      this.timer ??= setTimeout(() => this.writeNow(), WRITE_AFTER_MS).unref();
    }
    this.forgetPending();
  }

  afterRollback(): void {
    this.writeNowRequested = false;
    this.forgetPending();
  }

  private forgetPending(): void {
    if (!this.pending.isEmpty) this.pending = new MetricsTally();
  }

  private writeNow(): void {
    this.timer = undefined;
    if (this.unwritten.isEmpty || !this.db.open) return;
    try {
      this.tx.writeSync(() => {
        this.writeNowRequested = true; // beforeCommit, after this unit of work, writes the rows
      });
    } catch {
      // Busy (another process holds the write lock) or the file is gone: the next commit or timer retries.
      if (this.db.open) this.timer ??= setTimeout(() => this.writeNow(), WRITE_AFTER_MS).unref();
    }
  }

  private write({ queue, kind, minute, count }: MetricRow): void {
    this.s.upsert.run(queue, kind, minute, count);
    if (minute >= 0 && (kind === 'completed' || kind === 'failed')) this.trim(queue, kind, minute);
  }

  private trim(queue: string, kind: string, minute: number): void {
    const key = `${queue}\u0000${kind}`;
    if (this.trimmedMinute.get(key) === minute) return;
    this.trimmedMinute.set(key, minute);
    this.s.trim.run(queue, kind, minute - METRICS_RETENTION_MINUTES);
  }
}
