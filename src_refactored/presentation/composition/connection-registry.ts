import { resolve } from 'node:path';
import { ValidationError } from '../../shared/bullite-error.js';
import { QueueEngine, openQueueEngineSync } from './queue-engine.js';
import type { QueueEngineOptions } from './engine-options.schema.js';

/** What `connection` accepts: an engine, or `{ path }` for an engine shared per file in this process. */
export type Connection = QueueEngine | { path: string; durability?: 'normal' | 'full'; encryption?: QueueEngineOptions['encryption'] };

interface Shared {
  engine: QueueEngine;
  users: number;
}

// Engines opened through `{ path }`, per resolved path. Per process by design (DESIGN.md §3): two
// Queue objects on one file share one connection and one set of timers; engines on other files are
// separate entries, so nothing leaks between them.
const shared = new Map<string, Shared>();

export interface Lease {
  engine: QueueEngine;
  /** Gives the lease back; the last user of a shared engine closes it. */
  release(): Promise<void>;
}

export function acquireConnection(connection: unknown, field = 'opts.connection'): Lease {
  if (connection instanceof QueueEngine) {
    if (connection.closed) throw new ValidationError(field, 'The engine passed as connection is closed');
    return { engine: connection, release: async () => undefined };
  }
  const path = (connection as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string' || path.length === 0) {
    throw new ValidationError(field, `${field} must be an engine from createQueueEngine() or { path: './jobs.db' }`);
  }
  const key = path === ':memory:' ? `:memory:${shared.size}:${Math.random()}` : resolve(path);
  let entry = shared.get(key);
  if (entry === undefined || entry.engine.closed) {
    const { durability, encryption } = connection as Exclude<Connection, QueueEngine>;
    entry = { engine: openQueueEngineSync({ path, durability, encryption }), users: 0 };
    shared.set(key, entry);
  }
  entry.users += 1;
  const current = entry;
  let released = false;
  return {
    engine: current.engine,
    release: async () => {
      if (released) return;
      released = true;
      current.users -= 1;
      if (current.users === 0) {
        shared.delete(key);
        // Already closing (engine.close() is closing its users): do not wait on ourselves.
        if (!current.engine.closed) await current.engine.close();
      }
    },
  };
}
