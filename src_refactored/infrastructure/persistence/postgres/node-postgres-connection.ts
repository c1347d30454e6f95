import { createHash } from 'node:crypto';
import type pg from 'pg';
import { NUMERIC_OIDS, toNumber, type PgConnection, type PgExecutor } from './pg-connection.js';

/** Listen connection lost: wait this long before reconnecting, doubling up to the cap. */
const RELISTEN_BASE_MS = 100;
const RELISTEN_CAP_MS = 5_000;

type Pg = typeof pg;
type TypeParsers = Pick<typeof pg.types, 'getTypeParser'>;

/**
 * node-postgres is loaded on first use, not at import: a SQLite engine never needs it, and loading it
 * costs ~10 MB of RSS (bench child R1: 94 → 83 MB, W1: 126 → 118 MB without it).
 */
let loaded: Promise<{ pg: Pg; types: TypeParsers }> | undefined;
function loadPg(): Promise<{ pg: Pg; types: TypeParsers }> {
  return (loaded ??= import('pg').then(({ default: pg }) => ({
    pg,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        (NUMERIC_OIDS as readonly number[]).includes(oid) ? toNumber : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  })));
}

/**
 * Statements are sent as named prepared statements (name = hash of the text): each pooled connection
 * parses and plans a statement once, then only binds and executes it.
 */
const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `bullite_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

async function run<R>(client: pg.Pool | pg.PoolClient, text: string, values: readonly unknown[] = []): Promise<R[]> {
  const { types } = await loadPg();
  const result = await client.query({ name: statementName(text), text, values: values as unknown[], types });
  return result.rows as R[];
}

export interface NodePostgresOptions {
  /** A pool of the application's (not closed by the engine), or one made from `connectionString`. */
  pool?: pg.Pool;
  connectionString?: string;
  /** Tables live in this schema (created if missing); `public` by default. */
  schema?: string;
  max?: number;
}

/** The engine's connection to a PostgreSQL server through node-postgres. */
export class NodePostgresConnection implements PgConnection {
  readonly kind = 'node-postgres' as const;
  private readonly pool: Promise<pg.Pool>;
  private readonly ownsPool: boolean;
  private readonly listeners = new Set<pg.Client>();
  private closed = false;

  constructor(private readonly options: NodePostgresOptions) {
    this.ownsPool = options.pool === undefined;
    this.pool =
      options.pool !== undefined
        ? Promise.resolve(options.pool)
        : loadPg().then(({ pg }) => {
            const pool = new pg.Pool({
              connectionString: options.connectionString,
              max: options.max ?? 10,
              // search_path per connection: each engine (and each test) can have its tables in a schema of its own.
              options: options.schema === undefined ? undefined : `-c search_path=${quoteIdent(options.schema)}`,
            });
            // An idle pooled connection that the server drops must not crash the process; the next query reconnects.
            pool.on('error', () => undefined);
            return pool;
          });
    if (options.pool !== undefined) options.pool.on('error', () => undefined);
    // A failed load surfaces at the first query (the store's migration); not as an unhandled rejection here.
    this.pool.catch(() => undefined);
  }

  async query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<R[]> {
    return run<R>(await this.pool, text, values);
  }

  async transaction<T>(work: (tx: PgExecutor) => Promise<T>): Promise<T> {
    const client = await (await this.pool).connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work({ query: (text, values) => run(client, text, values) });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection itself failed: drop it from the pool
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
    let current: pg.Client | undefined;
    let stopped = false;
    let delay = RELISTEN_BASE_MS;
    const { pg } = await loadPg();
    const pool = await this.pool;
    const connect = async (): Promise<void> => {
      const client = this.ownsPool
        ? new pg.Client({ connectionString: this.options.connectionString })
        : new pg.Client((pool as unknown as { options: pg.ClientConfig }).options);
      client.on('notification', (message) => {
        if (message.channel === channel) onNotify(message.payload ?? '');
      });
      const relisten = () => {
        this.listeners.delete(client);
        client.removeAllListeners('end');
        if (stopped || this.closed) return;
        setTimeout(() => {
          connect()
            .then(() => onReconnect?.())
            .catch(relisten);
        }, delay).unref();
        delay = Math.min(RELISTEN_CAP_MS, delay * 2);
      };
      client.on('error', () => undefined);
      client.on('end', relisten);
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(channel)}`);
      delay = RELISTEN_BASE_MS;
      current = client;
      this.listeners.add(client);
    };
    await connect();
    return async () => {
      stopped = true;
      if (current !== undefined) {
        this.listeners.delete(current);
        current.removeAllListeners('end');
        await current.end().catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.listeners].map((c) => c.end().catch(() => undefined)));
    this.listeners.clear();
    if (this.ownsPool) await (await this.pool).end();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
