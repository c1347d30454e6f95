import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError } from '../drizzle/database-errors.js';
import type { PgConnection, PgExecutor } from './pg-connection.js';

/** Serialization failures and deadlocks are retried this many times, with full-jitter pauses. */
const RETRIES = 8;
const RETRY_BASE_MS = 5;
const RETRY_CAP_MS = 200;

/** 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available: the transaction changed nothing. */
const RETRYABLE = new Set(['40001', '40P01', '55P03']);

/** Work that rides along with every write transaction (the durable event stream writes its events there). */
export interface PgTransactionParticipant {
  beforeCommit(tx: PgExecutor): Promise<void>;
  /** `tx` is the ended transaction's executor (transactions run concurrently), undefined if none began. */
  afterCommit(tx?: PgExecutor): void;
  afterRollback(tx?: PgExecutor): void;
}

function translate(error: unknown): unknown {
  const code = (error as { code?: string }).code ?? '';
  if (code === '53100') return new StorageError('The PostgreSQL server is out of disk space: nothing was written.', error, 'full');
  if (code.startsWith('08') || code === '57P01' || code === '57P03' || code === 'ECONNREFUSED' || code === 'ECONNRESET') {
    return new StorageError(`The PostgreSQL server could not be reached (${code}): nothing was written; the call can be retried.`, error, 'io');
  }
  return error;
}

/**
 * Runs units of work as transactions. The transaction's executor travels with the async context, so the
 * collaborators of a repository (writer, lifecycle, dead letters, …) call `tx.ex` and land in the
 * transaction opened by the port method, without a connection parameter on every internal method —
 * the same shape as the SQLite adapter, whose collaborators use the one synchronous handle.
 */
export class PgTransactor {
  private readonly current = new AsyncLocalStorage<{ tx: PgExecutor; open: boolean }>();
  private readonly participants: PgTransactionParticipant[] = [];

  constructor(
    private readonly connection: PgConnection,
    /** Resolves when the store is migrated; every call waits for it (an engine is usable at once). */
    private readonly ready: Promise<void> = Promise.resolve(),
  ) {}

  /** The executor of the transaction on this async path, or the pool outside one. */
  get ex(): PgExecutor {
    const scope = this.current.getStore();
    return scope?.open === true ? scope.tx : this.connection;
  }

  /**
   * Only while the transaction is open: a timer or promise callback created inside a unit of work (an
   * event flush, a worker's pump) inherits its async context after the COMMIT, and must then get a
   * transaction of its own, not the ended one (on PGlite that hung the call; on a pool it would have
   * written on a connection already handed to someone else).
   */
  get inTransaction(): boolean {
    return this.current.getStore()?.open === true;
  }

  /** Adds a participant to every later write transaction; returns its removal. */
  join(participant: PgTransactionParticipant): () => void {
    this.participants.push(participant);
    return () => {
      const i = this.participants.indexOf(participant);
      if (i >= 0) this.participants.splice(i, 1);
    };
  }

  /** One transaction; a nested call joins the outer one. Retried whole on serialization failure / deadlock. */
  async write<T>(work: () => Promise<T>): Promise<T> {
    await this.ready;
    if (this.inTransaction) return work();
    for (let attempt = 0; ; attempt++) {
      let executor: PgExecutor | undefined;
      try {
        const scope = { tx: undefined as unknown as PgExecutor, open: true };
        const result = await this.connection
          .transaction((tx) => {
            executor = tx;
            scope.tx = tx;
            return this.current.run(scope, async () => {
              const value = await work();
              for (const p of this.participants) await p.beforeCommit(tx);
              return value;
            });
          })
          .finally(() => (scope.open = false));
        for (const p of this.participants) p.afterCommit(executor);
        return result;
      } catch (error) {
        for (const p of this.participants) p.afterRollback(executor);
        const code = (error as { code?: string }).code ?? '';
        if (!RETRYABLE.has(code) || attempt >= RETRIES) throw translate(error);
        await sleep(Math.random() * Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** attempt));
      }
    }
  }

  /** A read outside a transaction (inside one when called from a write). */
  async read<T>(work: () => Promise<T>): Promise<T> {
    await this.ready;
    try {
      return await work();
    } catch (error) {
      throw translate(error);
    }
  }
}
