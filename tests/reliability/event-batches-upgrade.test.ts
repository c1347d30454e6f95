import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { createQueueEngine, Queue, QueueEvents } from '../../src_refactored/index.js';
import { tempDir } from '../support/engine-fixture.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** A store file as a bullite of migration 0008 left it: one `events` row per event. */
function storeAtMigration8(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, hash text NOT NULL, created_at numeric)');
  const record = db.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)');
  for (const migration of readMigrationFiles({ migrationsFolder: MIGRATIONS }).slice(0, 9)) {
    for (const statement of migration.sql) if (statement.trim()) db.exec(statement);
    record.run(migration.hash, migration.folderMillis);
  }
  const insert = db.prepare('INSERT INTO events (id, queue, event, job_id, payload, timestamp) VALUES (?, ?, ?, ?, ?, ?)');
  insert.run(7, 'mail', 'added', '1', '{"name":"welcome"}', 1000);
  insert.run(8, 'mail', 'completed', '1', '{"returnvalue":{"sent":true},"prev":"active"}', 2000);
  insert.run(9, 'other', 'drained', null, '{}', 3000);
  db.close();
}

describe('upgrading a store to batched events (migration 0009)', () => {
  const defer = cleanupAfterEach();

  it('keeps every stored event with its id and payload, and new events continue after them', async () => {
    const temp = tempDir();
    defer(temp.cleanup);
    const path = join(temp.dir, 'old.db');
    storeAtMigration8(path);

    const engine = await createQueueEngine({ path });
    defer(() => engine.close());
    expect(await engine.eventStream.forJob('mail', '1')).toEqual([
      { id: '7', queue: 'mail', event: 'added', args: { jobId: '1', name: 'welcome' }, timestamp: 1000 },
      { id: '8', queue: 'mail', event: 'completed', args: { jobId: '1', returnvalue: { sent: true }, prev: 'active' }, timestamp: 2000 },
    ]);
    expect(await engine.eventStream.latestId('other')).toBe('9');

    // A reader that had seen event 7 before the upgrade resumes after it.
    const events = new QueueEvents('mail', { connection: engine, lastEventId: '7' });
    defer(() => events.close());
    const seen: string[] = [];
    events.on('completed', (_args, id) => seen.push(`completed ${id}`));
    events.on('added', (_args, id) => seen.push(`added ${id}`));
    await events.waitUntilReady();
    await new Queue('mail', { connection: engine }).add('welcome', {});
    await expect.poll(() => seen, { timeout: 5000 }).toEqual(['completed 8', 'added 10']);
    expect(await engine.eventStream.latestId('mail')).toBe('11'); // 'added' 10, 'waiting' 11
  });
});
