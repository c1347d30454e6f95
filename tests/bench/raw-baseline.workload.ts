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

async function withRaw(work: (db: Database.Database) => Promise<WorkloadResult>): Promise<WorkloadResult> {
  const store = benchDb();
  const db = openRaw(store.path);
  try {
    return await work(db);
  } finally {
    db.close();
    store.cleanup();
  }
}

const INSERT = `INSERT INTO jobs (queue, name, data, state, priority, seq) VALUES ('bench', 'job', ?, 'waiting', 0, ?)`;

/** R-add: one INSERT per transaction. */
export function rawAdd(p: BenchParams): Promise<WorkloadResult> {
  return withRaw((db) => {
    const insert = db.prepare(INSERT);
    const one = db.transaction((i: number) => insert.run(JSON.stringify({ i }), i));
    return measure(p.addOne, () => {
      for (let i = 1; i <= p.addOne; i++) one.immediate(i);
    });
  });
}

/** R-bulk: INSERTs in transactions of `bulkBatch` rows. */
export function rawBulk(p: BenchParams): Promise<WorkloadResult> {
  return withRaw((db) => {
    const insert = db.prepare(INSERT);
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(JSON.stringify({ i }), i);
    });
    return measure(p.addBulk, () => {
      for (let i = 0; i < p.addBulk; i += p.bulkBatch) batch.immediate(i, Math.min(p.addBulk, i + p.bulkBatch));
    });
  });
}

/** R-process: per job, one claim transaction (UPDATE…RETURNING) then one completing transaction. */
export function rawProcess(p: BenchParams): Promise<WorkloadResult> {
  return withRaw((db) => {
    const insert = db.prepare(INSERT);
    db.transaction(() => {
      for (let i = 1; i <= p.process; i++) insert.run(JSON.stringify({ i }), i);
    }).immediate();
    const claim = db.prepare<[string, number], { id: number; data: string }>(
      `UPDATE jobs SET state = 'active', lock_token = ?, locked_until = ?
       WHERE id = (SELECT id FROM jobs WHERE queue = 'bench' AND state = 'waiting' ORDER BY priority, seq LIMIT 1)
       RETURNING id, data`,
    );
    const complete = db.prepare(
      `UPDATE jobs SET state = 'completed', returnvalue = ?, finished_on = ?, lock_token = NULL
       WHERE id = ? AND lock_token = ? AND state = 'active'`,
    );
    const claimTx = db.transaction((token: string) => claim.get(token, performance.now() + 30_000));
    const completeTx = db.transaction((id: number, token: string) => complete.run('null', performance.now(), id, token));
    let done = 0;
    const result = measure(p.process, () => {
      for (;;) {
        const token = `t${done}`;
        const row = claimTx.immediate(token);
        if (row === undefined) break;
        JSON.parse(row.data);
        completeTx.immediate(row.id, token);
        done++;
      }
    });
    if (done !== p.process) throw new Error(`raw baseline processed ${done} of ${p.process}`);
    return result;
  });
}
