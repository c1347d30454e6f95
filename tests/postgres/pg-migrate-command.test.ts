import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createQueueEngine, Queue, Worker } from '../../src_refactored/index.js';
import { nextEvent, tempDir } from '../support/engine-fixture.js';
import { buildMixedStateStore, MIX, TOTAL_JOBS } from '../fixtures/postgres/mixed-state-store.fixture.js';

const PG_URL = process.env.BULLITE_TEST_PG_URL;
const BIN = fileURLToPath(new URL('../../bin/bullite.js', import.meta.url));

function bullite(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, BULLITE_DB: '' }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

type Row = Record<string, unknown>;
/** int8 and numeric as numbers, as the engine reads them (ids, times and counts fit in 2^53). */
const types = { getTypeParser: ((oid: number, format?: string) => (oid === 20 || oid === 1700 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser };
/** SQLite keeps large data apart (job_payloads, the row holds ''); PostgreSQL keeps every job's data in its row. */
const SQLITE_DATA = `CASE data WHEN '' THEN (SELECT p.data FROM job_payloads p WHERE p.id = jobs.id) ELSE data END AS data`;
const JOB_COLUMNS = `id, queue, job_id, name, data, opts, state, priority, seq, timestamp, delay, run_at, attempts_made, attempts_started,
  stalled_counter, max_attempts, progress, returnvalue, failed_reason, stacktrace, processed_on, finished_on, processed_by, lock_token,
  locked_until, group_id, parent_queue, parent_id, pending_deps, cancel_reason, dedup_id`;
const SQLITE_JOB_COLUMNS = JOB_COLUMNS.replace(' data,', ` ${SQLITE_DATA},`);

describe.skipIf(PG_URL === undefined)('bullite migrate (real binary): a 100 000-job SQLite store into PostgreSQL', () => {
  const temp = tempDir('bullite-migrate-');
  const file = join(temp.dir, 'jobs.db');
  const schema = `test_${randomUUID().replaceAll('-', '')}`;
  const target = `${PG_URL}${PG_URL?.includes('?') ? '&' : '?'}schema=${schema}`;
  let pool: pg.Pool;
  let sqlite: Database.Database;
  let migrated: { code: number; stdout: string; stderr: string };
  let seconds = 0;

  // Both databases, the same query, rows compared as plain values, in one order (the collations differ).
  const sorted = (rows: Row[]) => rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  const pgAll = async (text: string, values: unknown[] = []) => sorted((await pool.query(text, values)).rows as Row[]);
  const sqliteAll = (text: string, ...values: unknown[]) => sorted(sqlite.prepare(text).all(...values) as Row[]);

  beforeAll(async () => {
    const t0 = performance.now();
    await buildMixedStateStore(file);
    const built = performance.now();
    migrated = await bullite('migrate', '--from', file, '--to', target);
    seconds = (performance.now() - built) / 1000;
    console.log(`built ${TOTAL_JOBS} jobs in ${((built - t0) / 1000).toFixed(1)} s; bullite migrate (child process, start-up included) ${seconds.toFixed(1)} s`);
    pool = new pg.Pool({ connectionString: PG_URL, types, options: `-c search_path=${schema}` });
    sqlite = new Database(file, { readonly: true });
  }, 120_000);

  afterAll(async () => {
    sqlite?.close();
    await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
    temp.cleanup();
  });

  it('exits 0, prints rows per table and a final progress line on stderr (not a terminal)', () => {
    expect(migrated.stderr).not.toMatch(/error/i);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(new RegExp(`^jobs\\s+${TOTAL_JOBS}$`, 'm'));
    expect(migrated.stdout).toMatch(/^job_logs\s+20000$/m);
    expect(migrated.stderr).toMatch(/^migrate: 100% (\d+)\/\1 rows \(events\)/m);
  });

  it('every (queue, state) count, log, scheduler, queue row, dependency, metric and event is there', async () => {
    const byState = 'SELECT queue, state, count(*) AS n FROM jobs GROUP BY queue, state ORDER BY queue, state';
    const source = sqliteAll(byState);
    expect(await pgAll(byState)).toEqual(source);
    const states = Object.fromEntries(source.filter((r) => r.queue === 'main').map((r) => [r.state, r.n]));
    expect(states).toMatchObject({ completed: MIX.completed, failed: MIX.failed, active: MIX.active, waiting: MIX.waiting, prioritized: MIX.prioritized });
    expect(states.delayed).toBeGreaterThanOrEqual(MIX.delayed);
    expect(source.find((r) => r.queue === 'flows' && r.state === 'waiting-children')?.n).toBe(MIX.parents);
    expect(source.reduce((a, r) => a + Number(r.n), 0)).toBe(TOTAL_JOBS);

    for (const table of ['queues', 'job_schedulers', 'job_dependencies', 'metrics', 'group_rotation', 'queue_groups', 'deduplication_keys']) {
      const all = `SELECT * FROM ${table} ORDER BY 1, 2, 3`;
      expect(await pgAll(all), table).toEqual(sqliteAll(all));
    }
    // PostgreSQL keeps finished counts (each the sum of per-session shards) for retention; they must
    // equal the copied jobs. SQLite has no such table: its retention skips the index instead.
    const finished = 'SELECT queue, state, sum(count) AS count FROM finished_counts GROUP BY queue, state ORDER BY 1, 2';
    const counted = `SELECT queue, state, count(*) AS count FROM jobs WHERE state IN ('completed', 'failed') GROUP BY queue, state ORDER BY 1, 2`;
    expect(await pgAll(finished), 'finished_counts').toEqual(sqliteAll(counted));
    expect((await pgAll('SELECT paused FROM queues WHERE name = $1', ['held']))[0]).toEqual({ paused: 1 });
    expect(await pgAll('SELECT count(*) AS n FROM job_schedulers')).toEqual([{ n: MIX.schedulers }]);
    const logs = 'SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM job_logs';
    expect(await pgAll(logs)).toEqual(sqliteAll(logs));
    // SQLite stores events in batches (ids id … id + count - 1); PostgreSQL one row per event, same ids.
    expect(await pgAll('SELECT count(*) AS n, max(id) AS hi FROM events')).toEqual(sqliteAll('SELECT sum(count) AS n, max(id + count - 1) AS hi FROM events'));
  });

  it('200 random jobs are identical column by column, with their log lines', async () => {
    const ids = (sqliteAll('SELECT id FROM jobs ORDER BY random() LIMIT 200') as { id: number }[]).map((r) => r.id);
    const source = sqliteAll(`SELECT ${SQLITE_JOB_COLUMNS} FROM jobs WHERE id IN (${ids.join(',')}) ORDER BY id`);
    const copied = await pgAll(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);
    expect(copied).toEqual(source);
    const large = sqliteAll(`SELECT ${SQLITE_JOB_COLUMNS} FROM jobs WHERE queue = 'big' ORDER BY id`);
    expect(large).toHaveLength(MIX.large);
    expect(large.every((row) => String(row.data).length > 5_000)).toBe(true);
    expect(await pgAll(`SELECT ${JOB_COLUMNS} FROM jobs WHERE queue = 'big' ORDER BY id`)).toEqual(large);
    const logged = (sqliteAll("SELECT id FROM jobs WHERE state = 'completed' ORDER BY random() LIMIT 50") as { id: number }[]).map((r) => r.id);
    const lines = 'SELECT job_row_id, id, message FROM job_logs WHERE job_row_id IN (%) ORDER BY job_row_id, id';
    expect(await pgAll(lines.replace('%', logged.join(',')))).toEqual(sqliteAll(lines.replace('%', logged.join(','))));
  });

  it('refuses to copy into the now non-empty schema without --force, and says what to do', async () => {
    const again = await bullite('migrate', '--from', file, '--to', target);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is not empty .*--force.*--append.*ERR_MIGRATION_TARGET/s);
  });

  it('a PostgreSQL engine on the copy sees the same counts, keeps the id counters and works a migrated job to completion', async () => {
    const engine = await createQueueEngine({ postgres: { connectionString: PG_URL!, schema } });
    const queue = new Queue('main', { connection: engine });
    try {
      const counts = await queue.getJobCounts();
      expect(counts).toMatchObject({ completed: MIX.completed, failed: MIX.failed, active: MIX.active, prioritized: MIX.prioritized });
      // Scheduler iterations that fell due since the copy moved from delayed to waiting; none vanished.
      const [source] = sqliteAll("SELECT count(*) AS n FROM jobs WHERE queue = 'main' AND state IN ('waiting', 'delayed')") as { n: number }[];
      expect(counts.waiting + counts.delayed).toBe(source.n);
      const [sample] = sqliteAll("SELECT job_id, data FROM jobs WHERE queue = 'main' ORDER BY random() LIMIT 1") as { job_id: string; data: string }[];
      expect((await queue.getJob(sample.job_id))?.data).toEqual(JSON.parse(sample.data));
      expect(await new Queue('held', { connection: engine }).isPaused()).toBe(true);

      // With the default removeOnComplete { count: 1000 } this first completion trims the ~24 000 migrated
      // completed jobs in one DELETE (per-row counter triggers made that take ~30 s; they count per statement now).
      const worker = new Worker('main', async (job) => ({ echoed: job.data }), { connection: engine, concurrency: 1, autorun: false });
      const done = nextEvent<[{ id: string }]>(worker, 'completed', 30_000);
      void worker.run();
      const [job] = await done;
      await worker.close();
      const [before] = sqliteAll("SELECT state, data FROM jobs WHERE queue = 'main' AND job_id = ?", job.id) as { state: string; data: string }[];
      expect(['waiting', 'delayed']).toContain(before.state);
      expect(await queue.getJobState(job.id)).toBe('completed');
      expect((await queue.getJob(job.id))?.returnvalue).toEqual({ echoed: JSON.parse(before.data) });
      // A new job continues the queue's id counter (copied); its row takes the advanced sequence.
      const [counter] = sqliteAll("SELECT id_counter AS n FROM queues WHERE name = 'main'") as { n: number }[];
      expect((await queue.add('after', { x: 1 })).id).toBe(String(counter.n + 1));
    } finally {
      await queue.close();
      await engine.close();
    }
  }, 60_000);
});
