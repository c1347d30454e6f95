import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe } from 'vitest';
import type { IQueueRepository } from '../../src_refactored/core/application/ports/queue-repository.port.js';
import { PgJobRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-job-repository.js';
import { pgSql } from '../../src_refactored/infrastructure/persistence/postgres/pg-statement.js';
import { PgStore } from '../../src_refactored/infrastructure/persistence/postgres/pg-store.js';
import { describeJobRepositoryContract } from './job-repository.contract.js';

/** The server to run against (e.g. postgres://postgres:postgres@127.0.0.1:5432/postgres); skipped when unset. */
const PG_URL = process.env.BULLITE_TEST_PG_URL;

/**
 * The contract's pause calls, on the store's `queues` row (the same statements as SqliteQueueRepository).
 * Kept here until the adapter has its own queue repository.
 */
class QueuesOnStore implements IQueueRepository {
  private readonly setPausedStmt = pgSql(
    'INSERT INTO queues (name, paused) VALUES (@queue, @paused) ON CONFLICT (name) DO UPDATE SET paused = excluded.paused',
  );
  private readonly pausedStmt = pgSql<{ paused: number }>('SELECT paused FROM queues WHERE name = @queue');
  private readonly namesStmt = pgSql<{ name: string }>('SELECT name FROM queues ORDER BY name');

  constructor(private readonly store: PgStore) {}

  setPaused(queue: string, paused: boolean): Promise<void> {
    return this.store.tx.write(() => this.setPausedStmt.run(this.store.tx.ex, { queue, paused: paused ? 1 : 0 }));
  }

  isPaused(queue: string): Promise<boolean> {
    return this.store.tx.read(async () => (await this.pausedStmt.get(this.store.tx.ex, { queue }))?.paused === 1);
  }

  listQueues(): Promise<string[]> {
    return this.store.tx.read(async () => (await this.namesStmt.all(this.store.tx.ex)).map((r) => r.name));
  }
}

const freshSchema = () => `test_${randomUUID().replaceAll('-', '')}`;

async function opened(store: PgStore, dropSchema: () => Promise<unknown>) {
  await store.ready;
  return {
    repo: new PgJobRepository(store),
    queues: new QueuesOnStore(store),
    close: async () => {
      await dropSchema();
      await store.close();
    },
  };
}

describe.skipIf(PG_URL === undefined)('PostgreSQL server', () => {
  describeJobRepositoryContract('PostgreSQL server, fresh schema per test', async () => {
    const schema = freshSchema();
    const store = new PgStore({ connectionString: PG_URL, schema });
    return opened(store, () => store.connection.query(`DROP SCHEMA "${schema}" CASCADE`));
  });
});

// One embedded instance for the file (each takes seconds to start), a fresh schema per test.
let pglite: PGlite | undefined;
afterAll(async () => pglite?.close());

describeJobRepositoryContract('PGlite, fresh schema per test', async () => {
  const schema = freshSchema();
  const store = new PgStore({ pglite: (pglite ??= new PGlite()), schema });
  return opened(store, () => store.connection.query(`DROP SCHEMA "${schema}" CASCADE`));
});
