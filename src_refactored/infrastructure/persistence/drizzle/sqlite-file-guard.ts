import { statSync } from 'node:fs';
import type { SqliteDb } from './sqlite-database.js';
import { StorageError } from './database-errors.js';

/** At most one stat() per this many ms: a stat costs ~5 µs, a burst of commits pays for one. */
const CHECK_EVERY_MS = 20;

/**
 * In WAL mode SQLite keeps writing into a database file that was deleted or replaced (renamed over)
 * while open: the writes land in an orphaned inode and vanish at close, with no error. This guard
 * compares the path's inode with the one opened and, once it differs, refuses every later write with
 * StorageError('moved'). Writes made in the last CHECK_EVERY_MS before the swap are not detected.
 */
export class SqliteFileGuard {
  private readonly identity: string | null;
  private lastCheck = 0;
  private moved = false;

  constructor(private readonly db: SqliteDb) {
    this.identity = db.memory ? null : this.currentIdentity();
  }

  assertInPlace(): void {
    if (this.identity === null) return;
    if (!this.moved) {
      const now = performance.now();
      if (now - this.lastCheck < CHECK_EVERY_MS) return;
      this.lastCheck = now;
      this.moved = this.currentIdentity() !== this.identity;
    }
    if (this.moved) {
      throw new StorageError(
        `The database file ${this.db.name} was deleted or replaced while the engine had it open: nothing was written. Close the engine and open the file again.`,
        undefined,
        'moved',
      );
    }
  }

  private currentIdentity(): string | null {
    const stat = statSync(this.db.name, { throwIfNoEntry: false });
    return stat === undefined ? 'missing' : `${stat.dev}:${stat.ino}`;
  }
}
