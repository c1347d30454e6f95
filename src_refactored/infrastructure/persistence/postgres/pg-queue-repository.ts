import type { IQueueRepository } from '../../../core/application/ports/queue-repository.port.js';
import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';

/** The queues table on PostgreSQL: one upsert or one row read per call (the twin of SqliteQueueRepository). */
export class PgQueueRepository implements IQueueRepository {
  private readonly s = {
    setPaused: pgSql(
      'INSERT INTO queues (name, paused) VALUES (@queue, @paused) ON CONFLICT (name) DO UPDATE SET paused = excluded.paused',
    ),
    paused: pgSql<{ paused: number }>('SELECT paused FROM queues WHERE name = @queue'),
    names: pgSql<{ name: string }>('SELECT name FROM queues ORDER BY name'),
  };

  constructor(private readonly store: PgStore) {}

  setPaused(queue: string, paused: boolean): Promise<void> {
    return this.store.tx.write(() => this.s.setPaused.run(this.store.tx.ex, { queue, paused: paused ? 1 : 0 }));
  }

  isPaused(queue: string): Promise<boolean> {
    return this.store.tx.read(async () => (await this.s.paused.get(this.store.tx.ex, { queue }))?.paused === 1);
  }

  listQueues(): Promise<string[]> {
    return this.store.tx.read(async () => (await this.s.names.all(this.store.tx.ex)).map((r) => r.name));
  }
}
