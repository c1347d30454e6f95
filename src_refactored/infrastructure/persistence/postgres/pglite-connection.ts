import { NUMERIC_OIDS, toNumber, type PgConnection, type PgExecutor } from './pg-connection.js';

/**
 * The part of a PGlite instance (`@electric-sql/pglite`) the engine uses, typed here so the engine does
 * not import PGlite: it is a dev dependency, for fast embedded test runs.
 */
export interface PgliteLike {
  query<R>(text: string, params?: unknown[], options?: { parsers?: Record<number, (v: string) => unknown> }): Promise<{ rows: R[] }>;
  transaction<T>(work: (tx: { query: PgliteLike['query'] }) => Promise<T>): Promise<T>;
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

const parsers = Object.fromEntries(NUMERIC_OIDS.map((oid) => [oid, toNumber]));

/** PGlite: one embedded connection, transactions run one at a time (PGlite queues the others). */
export class PgliteConnection implements PgConnection {
  readonly kind = 'pglite' as const;

  constructor(private readonly db: PgliteLike) {}

  async query<R = Record<string, unknown>>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await this.db.query<R>(text, values as unknown[], { parsers })).rows;
  }

  transaction<T>(work: (tx: PgExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      work({
        query: async <R>(text: string, values: readonly unknown[] = []) => (await tx.query<R>(text, values as unknown[], { parsers })).rows,
      }),
    );
  }

  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, onNotify);
  }

  /** The PGlite instance belongs to the caller, who closes it. */
  async close(): Promise<void> {}
}
