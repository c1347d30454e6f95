import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PgStore } from '../../src_refactored/infrastructure/persistence/postgres/pg-store.js';

/** The server the PostgreSQL tests run against; they are skipped when it is not set. */
export const PG_URL = process.env.BULLITE_TEST_PG_URL;

export type Backend = 'postgres' | 'pglite';

/**
 * Backends of this run: the vitest project `postgres` runs the server only (its `pglite` project runs
 * PGlite, with the server's URL hidden); outside the projects, the server when set and PGlite always.
 */
export const BACKENDS: Backend[] =
  PG_URL === undefined ? ['pglite'] : process.env.BULLITE_TEST_BACKEND === 'postgres' ? ['postgres'] : ['postgres', 'pglite'];

let sharedPglite: PGlite | undefined;

/** Every store of one test on one fresh schema, as two processes would open it; closed by `close()`. */
export class TestStores {
  readonly schema = `test_${randomUUID().replaceAll('-', '')}`;
  private readonly opened: PgStore[] = [];

  constructor(readonly backend: Backend) {}

  open(): PgStore {
    const store =
      this.backend === 'postgres'
        ? new PgStore({ connectionString: PG_URL, schema: this.schema })
        : new PgStore({ pglite: (sharedPglite ??= new PGlite()), schema: this.schema });
    this.opened.push(store);
    return store;
  }

  async close(): Promise<void> {
    const [first] = this.opened;
    if (first !== undefined) await first.connection.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`).catch(() => undefined);
    await Promise.all(this.opened.splice(0).map((s) => s.close()));
  }
}

/** Resolves when `predicate` holds after some call of the returned `check`; rejects after `ms`. */
export function within<T>(ms: number, what: string, start: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    start((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
