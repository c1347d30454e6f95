import type { SqliteDb } from './sqlite-database.js';

/**
 * Work that rides along with every write transaction of one database handle: `beforeCommit` runs
 * inside the transaction after its unit of work, `afterCommit`/`afterRollback` once it has ended.
 * The durable event stream uses it to write the events published during the unit of work (a worker's
 * settle-and-claim) and any still buffered, so a job step costs one commit, not two; the metrics recorder
 * to keep a transaction's observations until it commits; the change feed and the WAL checkpointer only to
 * hear that a commit happened. Each implements the moments it needs.
 */
export interface TransactionParticipant {
  /** As the transaction starts, before its unit of work. */
  begin?(): void;
  beforeCommit?(): void;
  afterCommit?(): void;
  afterRollback?(): void;
}

const byDb = new WeakMap<SqliteDb, TransactionParticipant[]>();

const NONE: readonly TransactionParticipant[] = [];

/** Adds a participant to every later write transaction on `db`; returns its removal. */
export function joinTransactions(db: SqliteDb, participant: TransactionParticipant): () => void {
  const list = byDb.get(db) ?? [];
  list.push(participant);
  byDb.set(db, list);
  return () => {
    const i = list.indexOf(participant);
    if (i >= 0) list.splice(i, 1);
  };
}

export function participantsOf(db: SqliteDb): readonly TransactionParticipant[] {
  return byDb.get(db) ?? NONE;
}
