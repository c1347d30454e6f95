import { join } from 'node:path';
import { readMigrationFiles } from '../migration-files.js';
import { DatabaseOpenError } from '../drizzle/database-errors.js';
import type { PgConnection } from './pg-connection.js';
import { NodePostgresConnection, quoteIdent, type NodePostgresOptions } from './node-postgres-connection.js';
import { PgliteConnection, type PgliteLike } from './pglite-connection.js';
import { PgTransactor } from './pg-transactor.js';
import { packageRoot } from '../../../shared/package-root.js';

/** Any constant works; it only has to be the same in every process that opens a bullite store. */
const MIGRATION_LOCK = 0x62756c6c; // 'bull'

export interface PgStoreOptions extends NodePostgresOptions {
  /** An embedded PGlite instance instead of a server (tests, demos); its owner closes it. */
  pglite?: PgliteLike;
}

/**
 * One engine's PostgreSQL store: the connection, the transactor every repository shares, and the
 * migration that runs at open. Opening is synchronous (as for SQLite, so `new Queue(…, { connection })`
 * works); the migration runs in the background and every repository call waits for it.
 */
export class PgStore {
  readonly connection: PgConnection;
  readonly tx: PgTransactor;
  /** Resolves when the schema is migrated; rejects with a DatabaseOpenError when the server is unusable. */
  readonly ready: Promise<void>;
  readonly schema: string;
  /** Where the store is, for messages: the server and schema, never the password. */
  readonly label: string;

  constructor(options: PgStoreOptions) {
    this.schema = options.schema ?? 'public';
    this.connection = options.pglite !== undefined ? new PgliteConnection(options.pglite) : new NodePostgresConnection(options);
    this.label = describe(options, this.schema);
    this.ready = migrate(this.connection, this.schema, options.pglite !== undefined).catch((error: unknown) => {
      throw new DatabaseOpenError(this.label, `Could not open the PostgreSQL store ${this.label}: ${String((error as Error)?.message ?? error)}`, error);
    });
    // An engine nobody uses must not crash the process with an unhandled rejection; calls still see it.
    this.ready.catch(() => undefined);
    this.tx = new PgTransactor(this.connection, this.ready);
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.connection.close();
  }
}

function describe(options: PgStoreOptions, schema: string): string {
  if (options.pglite !== undefined) return `pglite (schema ${schema})`;
  if (options.connectionString === undefined) return `postgres pool (schema ${schema})`;
  try {
    const url = new URL(options.connectionString);
    return `postgres://${url.host}${url.pathname} (schema ${schema})`;
  } catch {
    return `postgres (schema ${schema})`;
  }
}

/**
 * Applies drizzle-kit's PostgreSQL migrations under a transaction-scoped advisory lock, so several
 * processes opening one new database at once apply each migration once: the others wait on the lock,
 * then find the record and skip. The record table is drizzle's `__drizzle_migrations`, kept in the
 * store's schema so that each schema migrates on its own.
 */
async function migrate(connection: PgConnection, schema: string, embedded: boolean): Promise<void> {
  const migrations = readMigrationFiles(join(packageRoot(), 'drizzle', 'postgres'));
  const schemaIdent = quoteIdent(schema);
  // PgConnection.transaction is asynchronous by design (BEGIN … awaited statements … COMMIT on one pooled
  // connection, or PGlite's exclusive transaction); the no-async-callback rule is better-sqlite3's.
  await connection.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schemaIdent}`);
    // PGlite has one connection for all: point it at the schema here (a server pool sets it per connection).
    if (embedded) await tx.query(`SET search_path TO ${schemaIdent}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${schemaIdent}.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
    const [last] = await tx.query<{ at: number | null }>(`SELECT max(created_at) AS at FROM ${schemaIdent}.__drizzle_migrations`);
    const at = Number(last?.at ?? 0);
    for (const migration of migrations) {
      if (migration.folderMillis <= at) continue;
      // Unqualified names in the migrations resolve in the store's schema.
      await tx.query(`SET LOCAL search_path TO ${schemaIdent}`);
      for (const statement of migration.sql) if (statement.trim()) await tx.query(statement);
      await tx.query(`INSERT INTO ${schemaIdent}.__drizzle_migrations (hash, created_at) VALUES ($1, $2)`, [migration.hash, migration.folderMillis]);
    }
  });
  if (embedded) await connection.query(`SET search_path TO ${schemaIdent}`);
}
