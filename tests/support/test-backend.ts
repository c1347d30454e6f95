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
  pglite ??= import('@electric-sql/pglite').then(async ({ PGlite }) => {
    const db = new PGlite();
    await db.waitReady;
    return db;
  });
  return pglite;
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
