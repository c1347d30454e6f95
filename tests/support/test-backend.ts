import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { PostgresOptions } from '../../src_refactored/index.js';

/**
 * Which store this test run opens through the engine fixture: `sqlite` (default), `pglite` (embedded,
 * no server) or `postgres` (the server in BULLITE_TEST_PG_URL). vitest.config.ts sets it per project.
 */
export type TestBackend = 'sqlite' | 'pglite' | 'postgres';

function backendFromEnv(): TestBackend {
  const value = process.env.BULLITE_TEST_BACKEND ?? 'sqlite';
  if (value === 'sqlite' || value === 'pglite' || value === 'postgres') return value;
  throw new Error(`BULLITE_TEST_BACKEND must be sqlite, pglite or postgres, not ${value}`);
}

export const testBackend: TestBackend = backendFromEnv();

export function testPgUrl(): string {
  const url = process.env.BULLITE_TEST_PG_URL;
  if (!url) throw new Error('BULLITE_TEST_BACKEND=postgres needs BULLITE_TEST_PG_URL (e.g. postgres://postgres:postgres@127.0.0.1:5432/postgres)');
  return url;
}

// One PGlite per test file: starting one costs 2.5-8 s on the 2-core CI machine (measured), a schema
// in it a few ms. vitest runs each file in its own process, so module state is per file.
let pglite: Promise<PGlite> | undefined;

export function pgliteForThisFile(): Promise<PGlite> {
  pglite ??= newPglite();
  return pglite;
}

/** A PGlite instance of its own (closed with the worker process). */
export async function newPglite(): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite();
  await db.waitReady;
  return db;
}

/** One statement with `?` placeholders on the schema of `postgres`, on a connection of its own; int8 as numbers. */
export async function rawPostgresQuery<R>(postgres: PostgresOptions, sql: string, params: unknown[]): Promise<R[]> {
  let n = 0;
  const text = sql.replace(/\?/g, () => `$${++n}`);
  const toNumbers = (rows: Record<string, unknown>[]) =>
    rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])) as R);
  if (postgres.pglite !== undefined) {
    // PGlite's one session already has the search_path of the store opened last (the test's).
    await postgres.pglite.query(`SET search_path TO "${postgres.schema}"`);
    return toNumbers((await postgres.pglite.query<Record<string, unknown>>(text, params)).rows);
  }
  const client = new pg.Client({ connectionString: postgres.connectionString, options: `-c search_path=${postgres.schema}` });
  await client.connect();
  try {
    const result = await client.query({ text, values: params, types: { getTypeParser: (oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) } as never });
    return result.rows as R[];
  } finally {
    await client.end();
  }
}

/** Drops a test's schema once its engines are closed, so a long run does not pile up tables. */
export async function dropTestSchema(postgres: PostgresOptions, schema: string): Promise<void> {
  const sql = `DROP SCHEMA IF EXISTS "${schema}" CASCADE`;
  if (postgres.pglite !== undefined) {
    await postgres.pglite.query(sql).catch(() => undefined);
    return;
  }
  const client = new pg.Client({ connectionString: postgres.connectionString });
  try {
    await client.connect();
    await client.query(sql);
  } catch {
    // best effort: a leftover schema is harmless, a test must not fail on it
  } finally {
    await client.end().catch(() => undefined);
  }
}
