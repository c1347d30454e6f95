import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createQueueEngine, Queue } from '../../src_refactored/index.js';
import { openSqliteDatabase } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-database.js';
import { SqliteCheckpointer } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-checkpointer.js';
import { SqliteTransactor } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-transactor.js';
import { tempDir, until } from '../support/engine-fixture.js';

// SQLite-only: the WAL and its checkpoints are SQLite's.
describe('WAL checkpoints on their own thread', () => {
  const temp = tempDir();
  afterAll(() => temp.cleanup());

  it('copies the WAL back while the engine writes, so the WAL stays small, and leaves no WAL after close', async () => {
    const path = join(temp.dir, 'busy.db');
    const engine = await createQueueEngine({ path });
    // The event loop's connection checkpoints by itself only past 2 000 frames (SQLite's default is 1 000).
    expect(engine.db.pragma('wal_autocheckpoint', { simple: true })).toBe(2000);
    const queue = new Queue('q', { connection: engine });
    for (let i = 0; i < 3000; i++) await queue.add('job', { i });
    // 3 000 commits of ~7 pages each are a ~85 MB WAL with no checkpoint at all, and a WAL that the
    // thread alone checkpoints while the writer is busy grew to 46 MB. Measured here: ~11 MB.
    expect(statSync(`${path}-wal`).size).toBeLessThan(16 * 1024 * 1024);
    await engine.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = new Database(path, { readonly: true });
    expect(reopened.prepare('SELECT count(*) AS c FROM jobs').get()).toEqual({ c: 3000 });
    reopened.close();
  });

  it('runs checkpoints counted by the thread as commits go by, and stops with the store', async () => {
    const path = join(temp.dir, 'direct.db');
    const db = openSqliteDatabase(path);
    const checkpointer = new SqliteCheckpointer(db);
    const tx = new SqliteTransactor(db);
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    for (let i = 0; i < 200; i++) tx.writeSync(() => insert.run('x'.repeat(2000)));
    await until(() => checkpointer.checkpoints > 0);
    await checkpointer.stop();
    const after = checkpointer.checkpoints;
    for (let i = 0; i < 200; i++) tx.writeSync(() => insert.run('y'));
    expect(checkpointer.checkpoints).toBe(after);
    db.close();
  });

  it('hands checkpoints back to SQLite when the thread cannot open the file', async () => {
    const path = join(temp.dir, 'gone.db');
    const db = openSqliteDatabase(path);
    // A name the thread cannot open: the directory of the file, not the file.
    const checkpointer = new SqliteCheckpointer(db, { path: temp.dir });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(2000);
    await until(() => db.pragma('wal_autocheckpoint', { simple: true }) === 1000);
    await checkpointer.stop();
    db.close();
  });
});
