import type { JobRecord } from '../../../core/application/ports/job-record.js';
import { JOB_STATES, type JobState, type JobStateOrUnknown } from '../../../core/domain/job/job-state.js';
import { toJobRecord, type JobRow } from '../drizzle/job-row.mapper.js';
import { FINISHED } from '../drizzle/sql-fragments.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import type { PgStore } from './pg-store.js';
import { pgSql, type PgStatement } from './pg-statement.js';

const TOKEN_FENCE = `(@token::text IS NULL OR (lock_token = @token AND state = 'active'))`;

/** Within a state, its natural order: claim order while ready, due time while delayed, finish time once finished. */
function orderColumn(states: readonly JobState[]): string {
  if (states.every((s) => s === 'completed' || s === 'failed')) return 'finished_on';
  if (states.every((s) => s === 'delayed')) return 'run_at';
  if (states.every((s) => s !== 'completed' && s !== 'failed' && s !== 'delayed')) return 'seq';
  return `CASE WHEN ${FINISHED} THEN finished_on WHEN state = 'delayed' THEN run_at ELSE seq END`;
}

/**
 * Reads and the small per-job writes (progress, data, logs), the twin of SqliteJobQueries. Completed and
 * failed counts come from finished_counts (kept exact by the triggers of migration 0003): ≤ 32 shard rows each
 * instead of counting a million finished jobs; the other states are counted in one grouped statement.
 */
export class PgJobQueries {
  private readonly s = {
    find: pgSql<JobRow>('SELECT * FROM jobs WHERE queue = @queue AND job_id = @id'),
    state: pgSql<{ state: string }>('SELECT state FROM jobs WHERE queue = @queue AND job_id = @id'),
    rowId: pgSql<{ id: number }>(`SELECT id FROM jobs WHERE queue = @queue AND job_id = @id AND ${TOKEN_FENCE}`),
    progress: pgSql(`UPDATE jobs SET progress = @value WHERE queue = @queue AND job_id = @id AND ${TOKEN_FENCE} RETURNING 1`),
    data: pgSql(`UPDATE jobs SET data = @value WHERE queue = @queue AND job_id = @id AND ${TOKEN_FENCE} RETURNING 1`),
    addLog: pgSql('INSERT INTO job_logs (job_row_id, message) VALUES (@rowId, @message)'),
    countLogs: pgSql<{ c: number }>('SELECT count(*) AS c FROM job_logs WHERE job_row_id = @rowId'),
    trimLogs: pgSql('DELETE FROM job_logs WHERE id IN (SELECT id FROM job_logs WHERE job_row_id = @rowId ORDER BY id DESC OFFSET @keep)'),
    logs: pgSql<{ message: string }>('SELECT message FROM job_logs WHERE job_row_id = @rowId ORDER BY id'),
    counts: pgSql<{ state: JobState; c: number }>(
      `SELECT state, count(*) AS c FROM jobs
       WHERE queue = @queue AND state = ANY(@states::text[]) AND state NOT IN ('completed', 'failed') GROUP BY state
       UNION ALL
       SELECT state, sum(count) AS c FROM finished_counts WHERE queue = @queue AND state = ANY(@states::text[]) GROUP BY state`,
    ),
  };
  /** One statement per (states, direction) asked for: the state list is inlined so partial indexes apply. */
  private readonly lists = new Map<string, PgStatement<JobRow>>();

  constructor(
    private readonly store: PgStore,
    private readonly codec: PayloadCodec,
  ) {}

  async findById(queue: string, id: string): Promise<JobRecord | null> {
    const row = await this.s.find.get(this.store.tx.ex, { queue, id });
    return row === undefined ? null : toJobRecord(row, this.codec);
  }

  async getState(queue: string, id: string): Promise<JobStateOrUnknown> {
    return ((await this.s.state.get(this.store.tx.ex, { queue, id }))?.state as JobState | undefined) ?? 'unknown';
  }

  async updateProgress(queue: string, id: string, value: string, token?: string): Promise<boolean> {
    return (await this.s.progress.all(this.store.tx.ex, { queue, id, value, token: token ?? null })).length === 1;
  }

  async updateData(queue: string, id: string, value: string, token?: string): Promise<boolean> {
    const params = { queue, id, value: this.codec.encode('data', value), token: token ?? null };
    return (await this.s.data.all(this.store.tx.ex, params)).length === 1;
  }

  /** Appends a log line, keeping the newest `keepLogs`; returns the count kept, null if the job is gone. */
  async addLog(queue: string, id: string, message: string, keepLogs?: number, token?: string): Promise<number | null> {
    const ex = this.store.tx.ex;
    const row = await this.s.rowId.get(ex, { queue, id, token: token ?? null });
    if (row === undefined) return null;
    await this.s.addLog.run(ex, { rowId: row.id, message: this.codec.encode('log', message) });
    if (keepLogs !== undefined) await this.s.trimLogs.run(ex, { rowId: row.id, keep: keepLogs });
    return (await this.s.countLogs.get(ex, { rowId: row.id }))!.c;
  }

  async getLogs(queue: string, id: string, start: number, end: number, asc: boolean): Promise<{ logs: string[]; count: number }> {
    const ex = this.store.tx.ex;
    const row = await this.s.rowId.get(ex, { queue, id, token: null });
    if (row === undefined) return { logs: [], count: 0 };
    const all = (await this.s.logs.all(ex, { rowId: row.id })).map((r) => this.codec.decode('log', r.message));
    const ordered = asc ? all : all.reverse();
    return { logs: ordered.slice(start, end < 0 ? undefined : end + 1), count: all.length };
  }

  async countByStates(queue: string, states: readonly JobState[]): Promise<Record<JobState, number>> {
    const wanted = states.length > 0 ? states : JOB_STATES;
    const result = {} as Record<JobState, number>;
    for (const state of wanted) result[state] = 0;
    for (const row of await this.s.counts.all(this.store.tx.ex, { queue, states: [...wanted] })) result[row.state] = row.c;
    return result;
  }

  /** BullMQ's getJobs: the requested states one after another, each newest first unless `asc`. */
  async list(queue: string, states: readonly JobState[], start: number, end: number, asc: boolean): Promise<JobRecord[]> {
    const wanted = (states.length > 0 ? [...new Set(states)] : [...JOB_STATES]).filter((s) => (JOB_STATES as readonly string[]).includes(s));
    if (wanted.length === 0) return [];
    const limit = end < 0 ? null : Math.max(0, end - start + 1);
    const rows = await this.listStatement(wanted, asc).all(this.store.tx.ex, { queue, limit, offset: Math.max(0, start) });
    return rows.map((row) => toJobRecord(row, this.codec));
  }

  private listStatement(wanted: readonly JobState[], asc: boolean): PgStatement<JobRow> {
    const key = `${wanted.join(',')}|${asc}`;
    let stmt = this.lists.get(key);
    if (stmt === undefined) {
      const dir = asc ? 'ASC' : 'DESC';
      // States come from the JOB_STATES enum (checked above), so inlining them is safe.
      const inList = wanted.map((s) => `'${s}'`).join(', ');
      const stateOrder = wanted.length > 1 ? `CASE state ${wanted.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} END, ` : '';
      stmt = pgSql<JobRow>(
        `SELECT * FROM jobs WHERE queue = @queue AND state IN (${inList})
         ORDER BY ${stateOrder}${orderColumn(wanted)} ${dir}, id ${dir}
         LIMIT @limit::bigint OFFSET @offset::bigint`,
      );
      this.lists.set(key, stmt);
    }
    return stmt;
  }
}
