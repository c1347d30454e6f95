import { setTimeout as sleep } from 'node:timers/promises';
import type { SqliteDb } from './sqlite-database.js';
import { StorageError, type StorageFailure } from './database-errors.js';
import { SqliteFileGuard } from './sqlite-file-guard.js';
import { participantsOf } from './transaction-participants.js';
import { HeldTransaction } from './sqlite-held-transaction.js';
import { OtherWriters } from './sqlite-other-writers.js';

/** After busy_timeout expired this many times in a row, the call gives up with a StorageError. */
const BUSY_RETRIES = 5;
/** Retry pauses grow 10, 20, 40, 80, 160 ms (capped at 250) and are drawn uniformly below that ("full jitter"). */
const BUSY_BASE_MS = 10;
const BUSY_CAP_MS = 250;

const isBusy = (code: string) => code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED';

/** SQLite result codes that mean "this write cannot happen now" rather than a bug in the statement. */
function storageFailure(code: string): { kind: StorageFailure; message: string } | undefined {
  if (code === 'SQLITE_FULL') {
    return {
      kind: 'full',
      message: 'The disk (or the database size limit) is full: the write was rolled back and nothing changed. Free space and retry.',
    };
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return {
      kind: 'moved',
      message: `The database file was deleted, replaced or made read-only while the engine had it open (${code}): nothing was written; close and reopen the engine.`,
    };
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CANTOPEN')) {
    return {
      kind: 'io',
      message: `The database file could not be read or written (${code}): it may have been deleted or replaced under the engine.`,
    };
  }
  return undefined;
}

function translate(error: unknown): unknown {
  const failure = storageFailure((error as { code?: string }).code ?? '');
  return failure === undefined ? error : new StorageError(failure.message, error, failure.kind);
}

/**
 * Runs synchronous units of work as `BEGIN IMMEDIATE` transactions (the write lock is taken first, so
 * a transaction never fails half-way on an upgrade to a write lock). SQLITE_BUSY after busy_timeout is
 * retried a few times with jitter, so writers of several processes do not retry in lock-step; disk-full,
 * lost-file and exhausted-busy errors become a StorageError, and a failed transaction changed nothing.
 */
export class SqliteTransactor {
  private readonly guard: SqliteFileGuard;
  /**
   * One better-sqlite3 transaction function, made once, that runs the unit of work it is given: making
   * a new one per write (db.transaction(work)) was 6.6 % of the time of `queue.add()` (W1 profile).
   */
  private readonly runInTransaction;
  private readonly runAsSavepoint;

  constructor(private readonly db: SqliteDb) {
    this.guard = new SqliteFileGuard(db);
    // Watched from the engine's first transactor on: made at a worker's first held step instead, its first
    // reading was its baseline, so a commit by another connection before it went unseen and that step was
    // always held (CI: a hold of ~35 steps right after the warm-up while another engine added every 5 ms).
    OtherWriters.of(db);
    this.runInTransaction = db.transaction((work: () => unknown) => {
      for (const p of participantsOf(db)) p.begin?.();
      const result = work();
      for (const p of participantsOf(db)) p.beforeCommit?.();
      return result;
    });
    this.runAsSavepoint = db.transaction((work: () => unknown) => work());
  }

  /** One write transaction, synchronously (the callback must not be async: it would commit at its first await). */
  writeSync<T>(work: () => T): T {
    this.guard.assertInPlace();
    if (this.db.inTransaction) {
      const held = HeldTransaction.of(this.db);
      // A nested call is a savepoint of the outer transaction: its participants run at the outer commit.
      if (held === undefined || held.working) return this.runNested(work);
      // Between held steps (a worker's group commit): they are committed first, and this write is a
      // transaction of its own, so it resolves committed and a failure rolls back only itself.
      this.commitHeld(held);
    } else {
      HeldTransaction.releaseOthers(this.db);
    }
    let result: T;
    try {
      result = this.runInTransaction.immediate(work) as T;
    } catch (error) {
      for (const p of participantsOf(this.db)) p.afterRollback?.();
      throw translate(error);
    }
    for (const p of participantsOf(this.db)) p.afterCommit?.();
    return result;
  }

  private runNested<T>(work: () => T): T {
    try {
      return this.runAsSavepoint(work) as T;
    } catch (error) {
      throw translate(error);
    }
  }

  write<T>(work: () => T): Promise<T> {
    return this.withBusyRetry(() => this.writeSync(work));
  }

  /**
   * A worker step for group commit (sqlite-held-transaction.ts): `work` runs in the held transaction
   * (opened if none is), which is left open for the next steps. `continues` says, at the next turn
   * boundary, whether the caller writes another step right away; `now` is the step's clock reading (the
   * hold's age is measured on it); `durable` settles with the commit.
   */
  writeHeld<T>(work: () => T, continues: () => boolean, now: number): Promise<{ value: T; durable?: Promise<void> }> {
    return this.withBusyRetry(() => this.writeHeldSync(work, continues, now));
  }

  private writeHeldSync<T>(work: () => T, continues: () => boolean, now: number): { value: T; durable?: Promise<void> } {
    this.guard.assertInPlace();
    let held = HeldTransaction.of(this.db);
    if (held === undefined || held.working) {
      // Inside another unit of work: part of it, committed with it.
      if (this.db.inTransaction) return { value: this.runNested(work), durable: held?.durable };
      // Others write to this file too: one commit per step, so their writes get the lock between two.
      if (OtherWriters.of(this.db).lately()) return { value: this.writeSync(work) };
      HeldTransaction.releaseOthers(this.db);
      try {
        held = HeldTransaction.begin(this.db, translate);
      } catch (error) {
        throw translate(error);
      }
    }
    held.working = true;
    let value: T;
    try {
      // No savepoint per step: it would copy every page the step changes to a statement journal
      // (W4, 16 jobs a step: 59 → 80 CPU µs/job). A failed step takes every held step with it
      // (participants such as events and metrics may have seen part of it); `durable` tells the holders.
      value = work();
    } catch (error) {
      held.abandon(error);
      throw translate(error);
    } finally {
      held.working = false;
    }
    held.stepped(continues, now);
    return { value, durable: held.durable };
  }

  private commitHeld(held: HeldTransaction): void {
    try {
      held.commit();
    } catch (error) {
      throw translate(error);
    }
  }

  /** Reads can meet SQLITE_BUSY too (another process recovering the WAL), and a vanished file. */
  read<T>(work: () => T): Promise<T> {
    HeldTransaction.releaseOthers(this.db);
    return this.withBusyRetry(() => {
      try {
        return work();
      } catch (error) {
        throw translate(error);
      }
    });
  }

  private async withBusyRetry<T>(attempt: () => T): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return attempt();
      } catch (error) {
        if (!isBusy((error as { code?: string }).code ?? '')) throw error;
        if (retry >= BUSY_RETRIES) {
          const message = 'Could not get the database write lock: another process holds it for too long. Nothing was written; retry later.';
          throw new StorageError(message, error, 'busy');
        }
        await sleep(Math.random() * Math.min(BUSY_CAP_MS, BUSY_BASE_MS * 2 ** retry));
      }
    }
  }
}
