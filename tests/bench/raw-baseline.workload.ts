import Database from 'better-sqlite3';
import { benchDb, measure, type BenchParams, type WorkloadResult } from './bench-support.js';

/**
 * The physical limit the bullite figures are divided by: the same kind of work written directly on
 * better-sqlite3, with the engine's pragmas (WAL, synchronous=NORMAL) and a ready index shaped like
 * bullite's, but one commit per job step and nothing else (no events, counters, retention, options).
 */
function openRaw(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE jobs (id INTEGER PRIMARY KEY, queue TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL,
                              state TEXT NOT NULL, priority INTEGER NOT NULL, seq INTEGER NOT NULL,
                              lock_token TEXT, locked_until INTEGER, returnvalue TEXT, finished_on INTEGER);
           CREATE INDEX jobs_ready ON jobs (queue, priority, seq) WHERE state = 'waiting';`);
  return db;
}

/** Runs `work` on a fresh file opened by `open` (default: the raw table), closed and removed afterwards. */
export async function withRaw(
  work: (db: Database.Database) => Promise<WorkloadResult>,
  open: (path: string) => Database.Database = openRaw,
): Promise<WorkloadResult> {
  const store = benchDb();
  const db = open(store.path);
  try {
    return await work(db);
  } finally {
    db.close();
    store.cleanup();
  }
}

const INSERT = `INSERT INTO jobs (queue, name, data, state, priority, seq) VALUES ('bench', 'job', ?, 'waiting', 0, ?)`;

/** `count` rows stored by `insertRow`, in transactions of `batch` rows (1: a transaction per row). */
export function measureInserts(db: Database.Database, count: number, batch: number, insertRow: (i: number) => void): Promise<WorkloadResult> {
  const rows = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insertRow(i);
  });
  return measure(count, () => {
    for (let i = 0; i < count; i += batch) rows.immediate(i, Math.min(count, i + batch));
  });
}

/** R-add: one INSERT per transaction. */
export function rawAdd(p: BenchParams): Promise<WorkloadResult> {
  return withRaw((db) => {
    const insert = db.prepare(INSERT);
    return measureInserts(db, p.addOne, 1, (i) => insert.run(JSON.stringify({ i }), i));
  });
}

/** R-bulk: INSERTs in transactions of `bulkBatch` rows. */
export function rawBulk(p: BenchParams): Promise<WorkloadResult> {
  return withRaw((db) => {
    const insert = db.prepare(INSERT);
    return measureInserts(db, p.addBulk, p.bulkBatch, (i) => insert.run(JSON.stringify({ i }), i));
  });
}

/** The claim of R3: the first waiting job in ready-index order, locked in one statement. */
export const RAW_CLAIM_SQL = `UPDATE jobs SET state = 'active', lock_token = ?, locked_until = ?
       WHERE id = (SELECT id FROM jobs WHERE queue = 'bench' AND state = 'waiting' ORDER BY priority, seq LIMIT 1)
       RETURNING id, data`;
export const RAW_COMPLETE_SQL = `UPDATE jobs SET state = 'completed', returnvalue = ?, finished_on = ?, lock_token = NULL
       WHERE id = ? AND lock_token = ? AND state = 'active'`;

/** Stores `count` waiting jobs in one transaction. */
export function rawInsertJobs(db: Database.Database, count: number): void {
  const insert = db.prepare(INSERT);
  db.transaction(() => {
    for (let i = 1; i <= count; i++) insert.run(JSON.stringify({ i }), i);
  }).immediate();
}

/** Up to `limit` claims (each parses the job's data, as a worker does); fewer when the queue runs dry. */
export function claimUpTo<R extends { data: string }>(claimOne: () => R | undefined, limit: number): R[] {
  const rows: R[] = [];
  for (let row = claimOne(); row !== undefined; row = rows.length < limit ? claimOne() : undefined) {
    JSON.parse(row.data);
    rows.push(row);
  }
  return rows;
}

/** R-process: per job, one claim transaction (UPDATE…RETURNING) then one completing transaction. */
export function rawProcess(p: BenchParams): Promise<WorkloadResult> {
  return withRaw((db) => {
    rawInsertJobs(db, p.process);
    const claim = db.prepare<[string, number], { id: number; data: string }>(RAW_CLAIM_SQL);
    const complete = db.prepare(RAW_COMPLETE_SQL);
    const claimTx = db.transaction((token: string) => claim.get(token, performance.now() + 30_000));
    const completeTx = db.transaction((id: number, token: string) => complete.run('null', performance.now(), id, token));
    let done = 0;
    const result = measure(p.process, (progress) => {
      for (;;) {
        const token = `t${done}`;
        const row = claimTx.immediate(token);
        if (row === undefined) break;
        JSON.parse(row.data);
        completeTx.immediate(row.id, token);
        progress(++done);
      }
    });
    if (done !== p.process) throw new Error(`raw baseline processed ${done} of ${p.process}`);
    return result;
  });
}
