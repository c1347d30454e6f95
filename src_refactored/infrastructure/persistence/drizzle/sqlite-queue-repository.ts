import type { IQueueRepository } from '../../../core/application/ports/queue-repository.port.js';
import type { SqliteDb } from './sqlite-database.js';
import { SqliteTransactor } from './sqlite-transactor.js';

export class SqliteQueueRepository implements IQueueRepository {
  private readonly tx: SqliteTransactor;
  private readonly s;

  constructor(db: SqliteDb) {
    this.tx = new SqliteTransactor(db);
    this.s = {
      setPaused: db.prepare(
        'INSERT INTO queues (name, paused) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET paused = excluded.paused',
      ),
      paused: db.prepare<[string], { paused: number }>('SELECT paused FROM queues WHERE name = ?'),
      names: db.prepare<[], { name: string }>('SELECT name FROM queues ORDER BY name'),
    };
  }

  setPaused(queue: string, paused: boolean): Promise<void> {
    return this.tx.write(() => {
      this.s.setPaused.run(queue, paused ? 1 : 0);
    });
  }

  isPaused(queue: string): Promise<boolean> {
    return this.tx.read(() => this.s.paused.get(queue)?.paused === 1);
  }

  listQueues(): Promise<string[]> {
    return this.tx.read(() => this.s.names.all().map((r) => r.name));
  }
}
