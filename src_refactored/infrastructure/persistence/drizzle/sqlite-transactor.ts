import { setTimeout as sleep } from 'node:timers/promises';
import type { SqliteDb } from './sqlite-database.js';
import { StorageError } from './database-errors.js';

/** After busy_timeout expired this many times in a row, the write gives up with a StorageError. */
const BUSY_RETRIES = 5;

function storageMessage(error: unknown): string | undefined {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'SQLITE_FULL':
      return 'The disk (or the database size limit) is full: the write was rolled back and nothing changed. Free space and retry.';
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DBMOVED':
      return 'The database file became read-only or was moved/deleted while open: reopen the engine.';
    case 'SQLITE_IOERR':
    case 'SQLITE_CORRUPT':
      return `The database file could not be written (${code}): it may have been deleted or replaced under the engine.`;
    default:
      return undefined;
  }
}

/**
 * Runs synchronous units of work as `BEGIN IMMEDIATE` transactions (the write lock is taken first, so
 * a transaction never fails half-way on an upgrade to a write lock). SQLITE_BUSY after busy_timeout is
 * retried a few times with jitter; disk-full and lost-file errors become a StorageError.
 */
export class SqliteTransactor {
  /**
   * One better-sqlite3 transaction function, made once, that runs the unit of work it is given: making
   * a new one per write (db.transaction(work)) was 6.6 % of the time of `queue.add()` (W1 profile).
   */
  private readonly runInTransaction;

  constructor(private readonly db: SqliteDb) {
    this.runInTransaction = db.transaction((work: () => unknown) => work());
  }

  /** One write transaction, synchronously (the callback must not be async: it would commit at its first await). */
  writeSync<T>(work: () => T): T {
    try {
      return this.runInTransaction.immediate(work) as T;
    } catch (error) {
      const message = storageMessage(error);
      if (message !== undefined) throw new StorageError(message, error);
      throw error;
    }
  }

  async write<T>(work: () => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return this.writeSync(work);
      } catch (error) {
        const busy = (error as { code?: string }).code === 'SQLITE_BUSY';
        if (!busy) throw error;
        if (attempt >= BUSY_RETRIES) {
          throw new StorageError('Could not get the database write lock: another process holds it for too long.', error);
        }
        await sleep(5 + Math.random() * 20 * (attempt + 1));
      }
    }
  }

  async read<T>(work: () => T): Promise<T> {
    return work();
  }
}
