import Database from 'better-sqlite3';
import { statSync } from 'node:fs';

export type StoreProbe = 'bullite' | 'missing' | 'directory' | 'not-sqlite' | 'foreign-sqlite' | 'unreadable';

/**
 * Looks at a file before a tool opens it as a store: opening runs the migrations, which would turn a
 * mistyped path into a new empty database or add tables to someone else's SQLite file. Read-only.
 */
export function probeStore(path: string): StoreProbe {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    return (error as { code?: string }).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  if (!isFile) return 'directory';
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const row = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").get();
    return row === undefined ? 'foreign-sqlite' : 'bullite';
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' ? 'not-sqlite' : 'unreadable';
  } finally {
    db?.close();
  }
}
