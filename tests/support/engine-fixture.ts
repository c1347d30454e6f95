import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueueEngine, type Connection, type PostgresOptions, type QueueEngine, type QueueEngineOptions } from '../../src_refactored/index.js';
import { dropTestSchema, newPglite, pgliteForThisFile, rawPostgresQuery, testBackend, testPgUrl } from './test-backend.js';
import Database from 'better-sqlite3';

export type StoreKind = 'memory' | 'wal-file';

/** A fresh directory for database files, removed by the returned cleanup. */
export function tempDir(prefix = 'bullite-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// On PostgreSQL a test's "path" names a schema; the same path opens the same schema again.
const PG_PATH_PREFIX = 'postgres-schema:';
const pgStores = new Map<string, PostgresOptions>();

/**
 * Where `path` (from openEngine) is, as createQueueEngine / `connection` options: `{ path }` on SQLite,
 * `{ postgres }` with the same schema on PostgreSQL. Tests that open a second engine or a `{ path }`
 * connection "on the same file" go through this, so they reach the same store on every backend.
 */
export function storeOptions(path: string): { path: string } | { postgres: PostgresOptions } {
  const postgres = pgStores.get(path);
  return postgres === undefined ? { path } : { postgres };
}

/** A second engine on the store of `path` (the file, or the PostgreSQL schema). */
export function openSameStore(path: string, options: Partial<QueueEngineOptions> = {}): Promise<QueueEngine> {
  return createQueueEngine({ ...options, ...storeOptions(path) } as QueueEngineOptions);
}

/** `connection: { path }` for Queue/Worker on the store of `path`, whatever the backend. */
export function storeConnection(path: string, extra: { encryption?: QueueEngineOptions['encryption'] } = {}): Connection {
  return { ...storeOptions(path), ...extra } as Connection;
}

/**
 * Runs one SQL statement on the store of `path` from outside the engine, as another process would
 * (`?` placeholders; portable SQL only). Returns the rows of a query, [] for a write.
 */
export async function storeQuery<R = Record<string, unknown>>(path: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const postgres = pgStores.get(path);
  if (postgres !== undefined) return rawPostgresQuery<R>(postgres, sql, params);
  const raw = new Database(path);
  try {
    const statement = raw.prepare(sql);
    return statement.reader ? (statement.all(...params) as R[]) : (statement.run(...params), []);
  } finally {
    raw.close();
  }
}

async function newPostgresStore(): Promise<{ path: string; postgres: PostgresOptions; drop: () => Promise<void> }> {
  const schema = `test_${randomUUID().replaceAll('-', '')}`;
  // PGlite has one session, pointed at the schema of the store opened last: a test holding two stores
  // at once (two engines on two "files") gets a PGlite of its own for the second.
  const pglite = testBackend === 'pglite' ? (pgStores.size === 0 ? await pgliteForThisFile() : await newPglite()) : undefined;
  const postgres: PostgresOptions = pglite !== undefined ? { pglite, schema } : { connectionString: testPgUrl(), schema };
  const path = `${PG_PATH_PREFIX}${schema}`;
  pgStores.set(path, postgres);
  return {
    path,
    postgres,
    drop: async () => {
      pgStores.delete(path);
      await dropTestSchema(postgres, schema);
    },
  };
}

/**
 * A fresh, empty store that a test opens itself (`openSameStore(path)`, `storeConnection(path)`): a file
 * path in a temp folder on SQLite, a new schema on PostgreSQL. `cleanup` removes it.
 */
export async function freshStore(fileName = 'jobs.db'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  if (testBackend !== 'sqlite') {
    const store = await newPostgresStore();
    return { path: store.path, cleanup: store.drop };
  }
  const temp = tempDir();
  return { path: join(temp.dir, fileName), cleanup: async () => temp.cleanup() };
}

/**
 * Opens an engine on a real store of the backend this run tests (BULLITE_TEST_BACKEND): SQLite
 * (':memory:' or a WAL file in a temp folder), or a fresh schema on PostgreSQL / PGlite for either kind.
 * Tests use a short idle check so fake-clock jumps are seen quickly; nothing in a test waits on
 * wall-clock time otherwise.
 */
export async function openEngine(kind: StoreKind, options: Partial<QueueEngineOptions> = {}) {
  if (testBackend !== 'sqlite') {
    const store = await newPostgresStore();
    const engine: QueueEngine = await createQueueEngine({ idleCheckInterval: 10, ...options, postgres: store.postgres });
    return {
      engine,
      path: store.path,
      close: async () => {
        await engine.close();
        await store.drop();
      },
    };
  }
  const temp = kind === 'wal-file' ? tempDir() : undefined;
  const path = temp ? join(temp.dir, 'jobs.db') : ':memory:';
  const engine: QueueEngine = await createQueueEngine({ idleCheckInterval: 10, ...options, path });
  return {
    engine,
    path,
    close: async () => {
      await engine.close();
      temp?.cleanup();
    },
  };
}

/** Resolves with the arguments of the next `event` from `emitter`, or rejects after `timeoutMs`. */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter: { once(event: string, listener: (...args: unknown[]) => void): unknown; off(event: string, listener: (...args: unknown[]) => void): unknown },
  event: string,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out waiting for '${event}'`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(event, listener);
  });
}

/**
 * Runs `step` (an add, a retry…) and resolves with its result once `worker` has emitted 'active'. It listens
 * before the step: the worker may claim the job, and emit, before the step's caller resumes.
 */
export async function afterActive<T>(
  worker: Parameters<typeof nextEvent>[0],
  step: () => Promise<T>,
): Promise<T> {
  const active = nextEvent(worker, 'active');
  try {
    const result = await step();
    await active;
    return result;
  } finally {
    active.catch(() => undefined); // a failed step leaves the wait to time out unobserved
  }
}

/** Polls `predicate` on the event loop until it holds (for state reached through timers). */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
