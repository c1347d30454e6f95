import { join } from 'node:path';
import { openSqliteDatabase } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-database.js';
import { SqliteJobRepository } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-job-repository.js';
import { SqliteQueueRepository } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-queue-repository.js';
import { tempDir } from '../support/engine-fixture.js';
import { describeJobRepositoryContract } from './job-repository.contract.js';

describeJobRepositoryContract('SQLite :memory:', async () => {
  const db = openSqliteDatabase(':memory:');
  return { repo: new SqliteJobRepository(db), queues: new SqliteQueueRepository(db), close: async () => void db.close() };
});

describeJobRepositoryContract('SQLite WAL file', async () => {
  const temp = tempDir();
  const db = openSqliteDatabase(join(temp.dir, 'contract.db'));
  return {
    repo: new SqliteJobRepository(db),
    queues: new SqliteQueueRepository(db),
    close: async () => {
      db.close();
      temp.cleanup();
    },
  };
});
