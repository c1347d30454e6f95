import { resolve } from 'node:path';
import { ValidationError } from '../../shared/bullite-error.js';
import { QueueEngine, openQueueEngineSync } from './queue-engine.js';
import type { QueueEngineOptions } from './engine-options.schema.js';
import type { PostgresOptions } from './postgres-options.schema.js';

type SharedOptions = Pick<QueueEngineOptions, 'encryption'>;

/**
 * What `connection` accepts: an engine, `{ path }` for an engine shared per file in this process, or
 * `{ postgres }` for an engine shared per PostgreSQL database and schema.
 */
export type Connection =
  | QueueEngine
  | ({ path: string; durability?: 'normal' | 'full' } & SharedOptions)
  | ({ postgres: PostgresOptions } & SharedOptions);

interface Shared {
  engine: QueueEngine;
  users: number;
}

// Engines opened through `{ path }` / `{ postgres }`, per store. Per process by design (DESIGN.md §3):
// two Queue objects on one store share one connection and one set of timers; engines on other stores
// are separate entries, so nothing leaks between them.
const shared = new Map<string, Shared>();

// A pool or PGlite instance given as connection is one store per object (and schema): objects get a number.
const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;
const objectId = (o: object) => objectIds.get(o) ?? (objectIds.set(o, ++nextObjectId), nextObjectId);

export interface Lease {
  engine: QueueEngine;
  /** Gives the lease back; the last user of a shared engine closes it. */
  release(): Promise<void>;
}

/** The sharing key of a `{ path }` / `{ postgres }` connection, or undefined when it is neither. */
function keyOf(connection: unknown): string | undefined {
  const { path, postgres } = (connection ?? {}) as { path?: unknown; postgres?: Partial<Record<keyof PostgresOptions, unknown>> };
  if (typeof path === 'string' && path.length > 0) return path === ':memory:' ? `:memory:${shared.size}:${Math.random()}` : `file:${resolve(path)}`;
  if (typeof postgres !== 'object' || postgres === null) return undefined;
  const schema = typeof postgres.schema === 'string' ? postgres.schema : 'public';
  if (typeof postgres.connectionString === 'string') return `pg:${postgres.connectionString}#${schema}`;
  const handle = postgres.pool ?? postgres.pglite;
  // Anything else is a bad option: the engine's own validation names the field.
  return typeof handle === 'object' && handle !== null ? `pg-object:${objectId(handle)}#${schema}` : `invalid:${Math.random()}`;
}

export function acquireConnection(connection: unknown, field = 'opts.connection'): Lease {
  if (connection instanceof QueueEngine) {
    if (connection.closed) throw new ValidationError(field, 'The engine passed as connection is closed');
    return { engine: connection, release: async () => undefined };
  }
  const key = keyOf(connection);
  if (key === undefined) {
    throw new ValidationError(
      field,
      `${field} must be an engine from createQueueEngine(), { path: './jobs.db' } or { postgres: { connectionString } }`,
    );
  }
  let entry = shared.get(key);
  if (entry === undefined || entry.engine.closed) {
    const { path, durability, postgres, encryption } = connection as { path?: string; durability?: 'normal' | 'full'; postgres?: PostgresOptions } & SharedOptions;
    entry = { engine: openQueueEngineSync({ path, durability, postgres, encryption }), users: 0 };
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
