import type { SqliteDb } from './sqlite-database.js';
import { participantsOf } from './transaction-participants.js';

/**
 * A held transaction commits at the first turn boundary after this many steps, or once its steps span
 * this many ms of the engine's clock (other processes wait for the write lock meanwhile; SQLite's busy
 * handler retries after 1, 2, 5 … ms). In a prototype, W3 (concurrency 1, no-op jobs) ran at 145 CPU
 * µs/job with a commit per step, 90 with 16 steps per commit and 80 with 64; at ~60 µs a step, W3's
 * holds end at 2 ms, ~37 steps each.
 */
const MAX_STEPS = 64;
const MAX_HOLD_MS = 2;

/**
 * Group commit across event-loop turns. At concurrency 1 a worker's steps follow each other one per
 * turn (settle the finished job, claim the next, run it), and each step's commit wrote ~9 WAL frames:
 * the commit was ~45 % of a W3 job. A held transaction stays open after a step, so the steps of the
 * following turns join it, and commits once its holders have nothing more to write at a turn boundary
 * (`continues` returns false), or at MAX_STEPS / MAX_HOLD_MS. Consecutive steps dirty the same pages
 * (index leaves, the events row), so one commit of 30 steps writes a few more frames than one step did.
 *
 * Every other write of the engine commits the held steps first and then runs as its own transaction
 * (`SqliteTransactor.writeSync`), so what `add()`, progress or a lock renewal resolve on is committed
 * as before, and a failing call rolls back only itself. Another connection to the same file in this
 * process commits them first too (it would otherwise wait on busy_timeout, blocking the event loop
 * that has to commit). A crash before the commit rolls the held steps back: their jobs are waiting or
 * active again and run again (at-least-once, as for a crash during any job).
 */
export class HeldTransaction {
  private steps = 0;
  /** The clock readings of the first and the latest step (the steps' own `now`: tests drive it). */
  private first = 0;
  private latest = 0;
  /** True while a unit of work of the hold runs: a write nested in it is part of it. */
  working = false;
  private readonly holders = new Set<() => boolean>();
  private checkScheduled = false;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };
  /** Settles with the commit (rejects with the error when the steps were rolled back). */
  readonly durable: Promise<void>;

  private constructor(
    private readonly db: SqliteDb,
    /** What a failed commit rejects `durable` with (the transactor's StorageError translation). */
    private readonly describe: (error: unknown) => unknown,
  ) {
    this.durable = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // The holders observe it; an unobserved rejection must not become an unhandled one.
    this.durable.catch(() => undefined);
  }

  /** The held transaction of `db`, if one is open. */
  static of(db: SqliteDb): HeldTransaction | undefined {
    return open.get(db);
  }

  /** Opens a held transaction on `db` (BEGIN IMMEDIATE: throws SQLITE_BUSY like any write). */
  static begin(db: SqliteDb, describe: (error: unknown) => unknown): HeldTransaction {
    statementsOf(db).begin.run();
    const hold = new HeldTransaction(db, describe);
    open.set(db, hold);
    if (!db.memory) openByFile.set(db.name, hold);
    for (const p of participantsOf(db)) p.begin?.();
    return hold;
  }

  /** Commits the held steps of `db`, if any (before an event flush or a close). */
  static commitIfOpen(db: SqliteDb): void {
    open.get(db)?.commit();
  }

  /** Commits what another connection of this process holds on the same file: it holds the write lock. */
  static releaseOthers(db: SqliteDb): void {
    if (openByFile.size === 0 || db.memory) return;
    const other = openByFile.get(db.name);
    if (other !== undefined && other.db !== db) other.commit();
  }

  /** One more step was written at `now`; `continues` tells, at the next turn boundary, whether its holder writes again. */
  stepped(continues: () => boolean, now: number): void {
    if (this.steps++ === 0) this.first = now;
    this.latest = now;
    this.holders.add(continues);
    if (!this.checkScheduled) {
      this.checkScheduled = true;
      setImmediate(() => this.check());
    }
  }

  private check(): void {
    this.checkScheduled = false;
    if (open.get(this.db) !== this) return; // committed meanwhile
    const young = this.steps < MAX_STEPS && this.latest - this.first < MAX_HOLD_MS;
    if (young && [...this.holders].some((continues) => continues())) {
      this.checkScheduled = true;
      setImmediate(() => this.check());
      return;
    }
    try {
      this.commit();
    } catch {
      // Nobody to throw to at a turn boundary: `durable` is rejected, and the holders observe it.
    }
  }

  commit(): void {
    this.close();
    const participants = participantsOf(this.db);
    try {
      for (const p of participants) p.beforeCommit?.();
      statementsOf(this.db).commit.run();
    } catch (error) {
      this.rollBack(error);
      throw error;
    }
    for (const p of participants) p.afterCommit?.();
    this.settle.resolve();
  }

  /** Rolls back every held step (a step failed, or the commit did): the holders learn it from `durable`. */
  abandon(error: unknown): void {
    this.close();
    this.rollBack(error);
  }

  private rollBack(error: unknown): void {
    if (this.db.inTransaction) statementsOf(this.db).rollback.run();
    for (const p of participantsOf(this.db)) p.afterRollback?.();
    this.settle.reject(this.describe(error));
  }

  private close(): void {
    open.delete(this.db);
    if (openByFile.get(this.db.name) === this) openByFile.delete(this.db.name);
  }
}

const open = new WeakMap<SqliteDb, HeldTransaction>();
/** Open holds by file path, for the other connections of this process (one map lookup per write). */
const openByFile = new Map<string, HeldTransaction>();

interface HoldStatements {
  begin: { run(): unknown };
  commit: { run(): unknown };
  rollback: { run(): unknown };
}
const statements = new WeakMap<SqliteDb, HoldStatements>();

function statementsOf(db: SqliteDb): HoldStatements {
  let s = statements.get(db);
  if (s === undefined) {
    s = { begin: db.prepare('BEGIN IMMEDIATE'), commit: db.prepare('COMMIT'), rollback: db.prepare('ROLLBACK') };
    statements.set(db, s);
  }
  return s;
}
