/**
 * What the PostgreSQL adapter needs of a database: queries, transactions on one connection, and
 * LISTEN/NOTIFY. Two implementations: node-postgres (a `pg.Pool`, for servers) and PGlite (embedded,
 * for fast tests). Every int8 and numeric result comes back as a JS number (ids, epoch-ms times and
 * counts all fit in 2^53), so the adapters' row mappers are the SQLite ones.
 */
export interface PgExecutor {
  query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

export interface PgConnection extends PgExecutor {
  readonly kind: 'node-postgres' | 'pglite';
  /** Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(work: (tx: PgExecutor) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` for each NOTIFY on `channel`; `onReconnect` after the listening connection was lost
   * and listens again (notifications may have been missed meanwhile). Returns the unlisten.
   */
  listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** int8 (20) and numeric (1700) as numbers; count(*) and sum() return those. */
export const NUMERIC_OIDS = [20, 1700] as const;

export function toNumber(value: string): number {
  return Number(value);
}
