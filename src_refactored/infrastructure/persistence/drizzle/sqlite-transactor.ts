import { setTimeout as sleep } from 'node:timers/promises';
import type { SqliteDb } from './sqlite-database.js';
import { StorageError, type StorageFailure } from './database-errors.js';
import { SqliteFileGuard } from './sqlite-file-guard.js';
import { participantsOf } from './transaction-participants.js';

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
    // A nested call is a savepoint of the outer transaction: its participants run at the outer commit.
    if (this.db.inTransaction) return this.runNested(work);
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

  /** Reads can meet SQLITE_BUSY too (another process recovering the WAL), and a vanished file. */
  read<T>(work: () => T): Promise<T> {
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
