import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readMigrationFiles } from '../migration-files.js';
import { DatabaseOpenError } from './database-errors.js';
import { packageRoot } from '../../../shared/package-root.js';

export type SqliteDb = Database.Database;

/**
 * Page size of a store file bullite creates. A commit writes every page it changed to the WAL, whole, and a
 * job's step changes ~6–9 pages (the row and one leaf per index), so the commit's cost follows the page size:
 * at 2 048 bytes instead of SQLite's 4 096, W1 (add one at a time) went 10 800 → 12 400 jobs/s and 92 → 81 CPU
 * µs/job, W3L (20 KB of data per job) 289 → 231 CPU µs/job, W5's p50 0.31 → 0.28 ms (paired runs). Rows stay
 * within one page because data above INLINE_DATA_MAX bytes lives apart (sqlite-job-payloads.ts). A file that
 * already exists keeps the page size it was created with: SQLite fixes it at creation in WAL mode.
 */
export const PAGE_SIZE = 2048;

export interface OpenOptions {
  durability?: 'normal' | 'full';
  /** ms a statement waits for another process's write lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Zero deleted and overwritten content (on with encryption: a rewritten value leaves no plain copy behind). */
  secureDelete?: boolean;
}

function describeOpenFailure(path: string, error: unknown): DatabaseOpenError {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new DatabaseOpenError(path, `${path} is not a bullite database (not SQLite, or corrupt): ${String(error)}`, error);
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'EACCES' || code === 'EROFS') {
    return new DatabaseOpenError(path, `${path} cannot be opened for writing (read-only file or folder?): ${String(error)}`, error);
  }
  return new DatabaseOpenError(path, `Could not open ${path}: ${String(error)}`, error);
}

/**
 * Opens (creating if needed) a store file, sets the pragmas of DESIGN.md §2 and applies the drizzle-kit
 * migrations. A new file is created with mode 0600: job data may be private.
 */
export function openSqliteDatabase(path: string, options: OpenOptions = {}): SqliteDb {
  const inMemory = path === ':memory:';
  const fullPath = inMemory ? path : resolve(path);
  let db: SqliteDb | undefined;
  try {
    if (!inMemory && !existsSync(fullPath)) {
      mkdirSync(dirname(fullPath), { recursive: true });
      closeSync(openSync(fullPath, 'a', 0o600));
    }
    // The constructor's `timeout` is SQLite's busy_timeout (a PRAGMA could not take it as a parameter).
    db = new Database(fullPath, { timeout: options.busyTimeoutMs ?? 5000 });
    // First read of the header: a non-SQLite or corrupt file fails here, before anything is written.
    assertBulliteOrEmpty(db, fullPath);
    // Before journal_mode: on a new file, page 1 is not written yet, so the size still applies.
    db.pragma(`page_size = ${PAGE_SIZE}`);
    if (!inMemory) db.pragma('journal_mode = WAL');
    const synchronous = options.durability === 'full' ? 'FULL' : 'NORMAL';
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma('foreign_keys = ON');
    if (options.secureDelete === true) db.pragma('secure_delete = ON');
    applyMigrations(db);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof DatabaseOpenError) throw error;
    throw describeOpenFailure(fullPath, error);
  }
}

/**
 * A valid SQLite file of another application (tables, but no migration record of ours) is refused:
 * applying our schema to it would write into someone else's database.
 */
function assertBulliteOrEmpty(db: SqliteDb, path: string): void {
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name);
  if (tables.length > 0 && !tables.includes('__drizzle_migrations')) {
    throw new DatabaseOpenError(path, `${path} is an SQLite database of another application (tables: ${tables.slice(0, 5).join(', ')}); bullite will not write into it`);
  }
}

/**
 * Applies drizzle-kit's migrations, recorded in drizzle's own `__drizzle_migrations` table so the
 * drizzle-kit tooling still recognises the file. Unlike drizzle's migrator this takes the write lock
 * first (BEGIN IMMEDIATE), so two processes opening the same new file at once apply each migration once:
 * the second waits on busy_timeout, then sees the first one's record and skips.
 */
function applyMigrations(db: SqliteDb): void {
  const migrations = readMigrationFiles(join(packageRoot(), 'drizzle'));
  db.exec(
    'CREATE TABLE IF NOT EXISTS __drizzle_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, hash text NOT NULL, created_at numeric)',
  );
  const lastApplied = db.prepare('SELECT max(created_at) AS at FROM __drizzle_migrations');
  const record = db.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)');
  db.transaction(() => {
    const at = Number((lastApplied.get() as { at: number | null }).at ?? 0);
    for (const migration of migrations) {
      if (migration.folderMillis <= at) continue;
      for (const statement of migration.sql) if (statement.trim()) db.exec(statement);
      record.run(migration.hash, migration.folderMillis);
    }
  }).immediate();
}
