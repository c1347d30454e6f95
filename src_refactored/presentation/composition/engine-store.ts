import { resolve } from 'node:path';
import type { ContainerModule } from 'inversify';
import type { EncryptionCodec } from '../../infrastructure/persistence/codec/encryption-codec.js';
import { SqliteCheckpointer } from '../../infrastructure/persistence/drizzle/sqlite-checkpointer.js';
import { openSqliteDatabase, type SqliteDb } from '../../infrastructure/persistence/drizzle/sqlite-database.js';
import { SqliteMetricsRecorder } from '../../infrastructure/persistence/drizzle/sqlite-metrics-recorder.js';
import { HeldTransaction } from '../../infrastructure/persistence/drizzle/sqlite-held-transaction.js';
import { SqlitePayloadRewriter } from '../../infrastructure/persistence/drizzle/sqlite-payload-rewriter.js';
import { PgPayloadRewriter } from '../../infrastructure/persistence/postgres/pg-payload-rewriter.js';
import { PgStore } from '../../infrastructure/persistence/postgres/pg-store.js';
import type { ParsedEngineOptions } from './engine-options.schema.js';
import { sqliteInfrastructureModule, type InfrastructureContext } from './engine-modules.js';
import { postgresInfrastructureModule } from './postgres-infrastructure-module.js';

/** Where an engine keeps its state: a SQLite file or a PostgreSQL schema. */
export interface EngineStore {
  readonly backend: 'sqlite' | 'postgres';
  /** The file path, or for PostgreSQL a label with server and schema (never the password). */
  readonly label: string;
  /** The open SQLite file (tests and tools); undefined on PostgreSQL. */
  readonly sqlite: SqliteDb | undefined;
  /** Resolves when the store can be used; rejects with a DatabaseOpenError when it cannot be opened. */
  readonly ready: Promise<void>;
  module(context: InfrastructureContext): ContainerModule;
  rewritePayloads(codec: EncryptionCodec): Promise<{ jobs: number; logs: number }>;
  close(): Promise<void>;
}

class SqliteEngineStore implements EngineStore {
  readonly backend = 'sqlite' as const;
  readonly label: string;
  readonly ready = Promise.resolve();
  /** Copies the WAL back on its own thread (a file store; ':memory:' has no WAL). */
  private readonly checkpointer: SqliteCheckpointer | undefined;

  constructor(
    readonly sqlite: SqliteDb,
    path: string,
    options: ParsedEngineOptions,
  ) {
    this.label = path === ':memory:' ? ':memory:' : resolve(path);
    if (path !== ':memory:') {
      this.checkpointer = new SqliteCheckpointer(sqlite, { durability: options.durability, busyTimeoutMs: options.busyTimeout });
    }
  }

  module(context: InfrastructureContext): ContainerModule {
    return sqliteInfrastructureModule(this.sqlite, context);
  }

  rewritePayloads(codec: EncryptionCodec) {
    return new SqlitePayloadRewriter(this.sqlite, codec).rewriteAll();
  }

  async close(): Promise<void> {
    HeldTransaction.commitIfOpen(this.sqlite); // a worker's group-committed steps
    SqliteMetricsRecorder.writeUnwritten(this.sqlite); // the last second's metric observations
    await this.checkpointer?.stop();
    // The last connection to close checkpoints what is left and removes the WAL file.
    this.sqlite.close();
  }
}

class PostgresEngineStore implements EngineStore {
  readonly backend = 'postgres' as const;
  readonly sqlite = undefined;

  constructor(private readonly store: PgStore) {}

  get label(): string {
    return this.store.label;
  }

  get ready(): Promise<void> {
    return this.store.ready;
  }

  module(context: InfrastructureContext): ContainerModule {
    return postgresInfrastructureModule(this.store, context);
  }

  rewritePayloads(codec: EncryptionCodec) {
    return new PgPayloadRewriter(this.store, codec).rewriteAll();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** Opens the store the options name. Synchronous for both: PostgreSQL migrates in the background. */
export function openEngineStore(options: ParsedEngineOptions): EngineStore {
  if (options.postgres !== undefined) return new PostgresEngineStore(new PgStore(options.postgres));
  const path = options.path!; // the schema requires exactly one of path and postgres
  const db = openSqliteDatabase(path, {
    durability: options.durability,
    busyTimeoutMs: options.busyTimeout,
    secureDelete: options.encryption !== undefined,
  });
  return new SqliteEngineStore(db, path, options);
}
