import Database from 'better-sqlite3';
import { openSqliteDatabase } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-database.js';
import { PLAIN_CLAIM_SQL, claimArgs } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-job-lifecycle.js';
import { LOCK_CLAIMED_SQL } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-claim-lock.js';
import { claimValues } from '../../src_refactored/infrastructure/persistence/drizzle/sql-fragments.js';
import { measure, type BenchParams, type WorkloadResult } from './bench-support.js';
import { claimUpTo, measureInserts, RAW_CLAIM_SQL, RAW_COMPLETE_SQL, rawInsertJobs, withRaw } from './raw-baseline.workload.js';

/**
 * Floors for the bullite figures beside the raw limits (R1–R3), each written directly on
 * better-sqlite3 so no JavaScript of ours runs:
 * - RS1 / RS2 / RS3: the raw loops on bullite's own file (its migrations: the jobs table with its indexes, foreign keys
 *   on) and its own claim statement, so what separates W1/W3 from them is our code, not the schema.
 *   Nothing else a feature adds: no id counter, events, metrics or retention.
 * - RB4 / RSB4: R3 and RS3 with 16 claims in one transaction and 16 completions in the next (the batching W4
 *   may do), the "real ceiling at concurrency".
 */

/** The engine's job INSERT: every column a new job is stored with (sqlite-job-writer.ts). */
const SCHEMA_INSERT = `INSERT INTO jobs (queue, job_id, name, data, opts, state, priority, seq, timestamp, delay, run_at,
                                         max_attempts, group_id, parent_queue, parent_id)
                       VALUES ('bench', ?, 'job', ?, '{"attempts":1}', 'waiting', 0, ?, ?, 0, NULL, 1, NULL, NULL, NULL)`;
/** The engine's completion (sqlite-job-lifecycle.ts), fenced by the claim's token like every worker write. */
const SCHEMA_COMPLETE = `UPDATE jobs SET state = 'completed', returnvalue = ?, finished_on = ?, attempts_made = attempts_made + 1,
                                         lock_token = NULL, locked_until = NULL
                         WHERE queue = 'bench' AND job_id = ? AND lock_token = ? AND state = 'active'`;

/** A fresh file migrated by the engine's own open path, on a plain connection with its pragmas. */
const withSchema = (work: (db: Database.Database) => Promise<WorkloadResult>) => withRaw(work, (path) => openSqliteDatabase(path));

/** RS1 (batch 1) / RS2 (batch `bulkBatch`): the engine's job INSERT, `batch` rows per transaction. */
export function schemaAdd(p: BenchParams, batch: number): Promise<WorkloadResult> {
  return withSchema((db) => {
    const insert = db.prepare(SCHEMA_INSERT);
    const count = batch === 1 ? p.addOne : p.addBulk;
    return measureInserts(db, count, batch, (i) => insert.run(String(i + 1), JSON.stringify({ i }), i + 1, Date.now()));
  });
}

/** RS3 (batch 1) / RSB4 (batch 16): the engine's claim statement and completion, `batch` of each per transaction. */
export function schemaProcess(p: BenchParams, batch: number): Promise<WorkloadResult> {
  return withSchema((db) => {
    const insert = db.prepare(SCHEMA_INSERT);
    db.transaction(() => {
      for (let i = 1; i <= p.process; i++) insert.run(String(i), JSON.stringify({ i }), i, Date.now());
    }).immediate();
    // The engine's claim: the pick, then the lock of the picked row (sqlite-job-lifecycle.ts).
    const pick = db.prepare(PLAIN_CLAIM_SQL);
    const lock = db.prepare(LOCK_CLAIMED_SQL);
    const complete = db.prepare(SCHEMA_COMPLETE);
    const claimOne = (token: string) => {
      const now = Date.now();
      const request = { queue: 'bench', token, limit: batch, lockMs: 30_000, workerName: 'raw' };
      const row = pick.get(claimArgs(request, now, true)) as { id: number; job_id: string; data: string } | undefined;
      if (row !== undefined) lock.run(...claimValues(request, now), row.id);
      return row;
    };
    return drain(
      p.process,
      db.transaction((token: string) => claimUpTo(() => claimOne(token), batch)),
      db.transaction((rows: { job_id: string }[], token: string) => {
        for (const row of rows) complete.run('null', Date.now(), row.job_id, token);
      }),
    );
  });
}

/** RB4: the raw table and statements (R3), `batch` claims per transaction and `batch` completions in the next. */
export function rawProcessBatched(p: BenchParams, batch: number): Promise<WorkloadResult> {
  return withRaw((db) => {
    rawInsertJobs(db, p.process);
    const claim = db.prepare<[string, number], { id: number; data: string }>(RAW_CLAIM_SQL);
    const complete = db.prepare(RAW_COMPLETE_SQL);
    return drain(
      p.process,
      db.transaction((token: string) => claimUpTo(() => claim.get(token, performance.now() + 30_000), batch)),
      db.transaction((rows: { id: number }[], token: string) => {
        for (const row of rows) complete.run('null', performance.now(), row.id, token);
      }),
    );
  });
}

/** Rounds of one claiming transaction and one completing the rows it took, until `count` jobs are done. */
async function drain<R>(
  count: number,
  claimTx: Database.Transaction<(token: string) => R[]>,
  completeTx: Database.Transaction<(rows: R[], token: string) => void>,
): Promise<WorkloadResult> {
  let done = 0;
  const result = await measure(count, (progress) => {
    for (;;) {
      const token = `t${done}`;
      const rows = claimTx.immediate(token);
      if (rows.length === 0) break;
      completeTx.immediate(rows, token);
      done += rows.length;
      progress(done);
    }
  });
  if (done !== count) throw new Error(`baseline processed ${done} of ${count}`);
  return result;
}
