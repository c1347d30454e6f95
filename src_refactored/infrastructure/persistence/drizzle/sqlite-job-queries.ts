import type { JobRecord } from '../../../core/application/ports/job-record.js';
import { JOB_STATES, type JobState, type JobStateOrUnknown } from '../../../core/domain/job/job-state.js';
import type { SqliteDb } from './sqlite-database.js';
import { toJobRecord, type JobRow } from './job-row.mapper.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import { FINISHED, JOB_BY_ID, JOB_COLUMNS, READY } from './sql-fragments.js';
import { SqliteJobPayloads, inlineData } from './sqlite-job-payloads.js';

const TOKEN_FENCE = `(@token IS NULL OR (lock_token = @token AND state = 'active'))`;

/**
 * Reads and the small per-job writes (progress, data, logs). Counts go through the partial index of
 * each state so that a queue with a million finished jobs still counts its waiting jobs cheaply.
 */
export class SqliteJobQueries {
  private readonly s;
  private readonly countStmts: Record<JobState, { get(queue: string): unknown }>;
  private readonly payloads: SqliteJobPayloads;

  constructor(
    private readonly db: SqliteDb,
    private readonly codec: PayloadCodec,
  ) {
    const count = (where: string) => db.prepare<[string], { c: number }>(`SELECT count(*) AS c FROM jobs WHERE queue = ? AND ${where}`);
    this.countStmts = {
      waiting: count(`${READY} AND state = 'waiting'`),
      prioritized: count(`${READY} AND state = 'prioritized'`),
      delayed: count(`state = 'delayed'`),
      active: count(`state = 'active'`),
      'waiting-children': count(`state = 'waiting-children'`),
      completed: count(`${FINISHED} AND state = 'completed'`),
      failed: count(`${FINISHED} AND state = 'failed'`),
    };
    this.payloads = new SqliteJobPayloads(db);
    this.s = {
      find: db.prepare<[string, string], JobRow>(JOB_BY_ID),
      state: db.prepare<[string, string], { state: string }>('SELECT state FROM jobs WHERE queue = ? AND job_id = ?'),
      rowId: db.prepare<Record<string, unknown>, { id: number }>(
        `SELECT id FROM jobs WHERE queue = @queue AND job_id = @id AND ${TOKEN_FENCE}`,
      ),
      progress: db.prepare(`UPDATE jobs SET progress = @value WHERE queue = @queue AND job_id = @id AND ${TOKEN_FENCE}`),
      data: db.prepare<Record<string, unknown>, { id: number }>(
        `UPDATE jobs SET data = @value WHERE queue = @queue AND job_id = @id AND ${TOKEN_FENCE} RETURNING id`,
      ),
      addLog: db.prepare('INSERT INTO job_logs (job_row_id, message) VALUES (?, ?)'),
      countLogs: db.prepare<[number], { c: number }>('SELECT count(*) AS c FROM job_logs WHERE job_row_id = ?'),
      trimLogs: db.prepare(
        'DELETE FROM job_logs WHERE id IN (SELECT id FROM job_logs WHERE job_row_id = ? ORDER BY id DESC LIMIT -1 OFFSET ?)',
      ),
      logs: db.prepare<[number], { message: string }>('SELECT message FROM job_logs WHERE job_row_id = ? ORDER BY id'),
    };
  }

  findById(queue: string, id: string): JobRecord | null {
    const row = this.s.find.get(queue, id);
    return row === undefined ? null : toJobRecord(row, this.codec);
  }

  getState(queue: string, id: string): JobStateOrUnknown {
    return (this.s.state.get(queue, id)?.state as JobState | undefined) ?? 'unknown';
  }

  updateProgress(queue: string, id: string, value: string, token?: string): boolean {
    return this.s.progress.run({ queue, id, value, token: token ?? null }).changes === 1;
  }

  updateData(queue: string, id: string, value: string, token?: string): boolean {
    const encoded = this.codec.encode('data', value);
    const row = this.s.data.get({ queue, id, value: inlineData(encoded), token: token ?? null });
    if (row === undefined) return false;
    this.payloads.place(row.id, encoded);
    return true;
  }

  /** Appends a log line, keeping the newest `keepLogs`; returns the count kept, null if the job is gone. */
  addLog(queue: string, id: string, message: string, keepLogs?: number, token?: string): number | null {
    const row = this.s.rowId.get({ queue, id, token: token ?? null });
    if (row === undefined) return null;
    this.s.addLog.run(row.id, this.codec.encode('log', message));
    if (keepLogs !== undefined) this.s.trimLogs.run(row.id, keepLogs);
    return this.s.countLogs.get(row.id)!.c;
  }

  getLogs(queue: string, id: string, start: number, end: number, asc: boolean): { logs: string[]; count: number } {
    const row = this.s.rowId.get({ queue, id, token: null });
    if (row === undefined) return { logs: [], count: 0 };
    const all = this.s.logs.all(row.id).map((r) => this.codec.decode('log', r.message));
    const ordered = asc ? all : all.reverse();
    return { logs: ordered.slice(start, end < 0 ? undefined : end + 1), count: all.length };
  }

  countByStates(queue: string, states: readonly JobState[]): Record<JobState, number> {
    const wanted = states.length > 0 ? states : JOB_STATES;
    const result = {} as Record<JobState, number>;
    for (const state of wanted) result[state] = (this.countStmts[state].get(queue) as { c: number }).c;
    return result;
  }

  /**
   * BullMQ's getJobs: the requested states one after another, each newest first unless `asc`. Within a
   * state the order is its natural one: claim order while ready, due time while delayed, finish time
   * once finished.
   */
  list(queue: string, states: readonly JobState[], start: number, end: number, asc: boolean): JobRecord[] {
    const wanted = states.length > 0 ? states : JOB_STATES;
    const dir = asc ? 'ASC' : 'DESC';
    const placeholders = wanted.map(() => '?').join(', ');
    const stateOrder = wanted.map((_, i) => `WHEN ? THEN ${i}`).join(' ');
    const limit = end < 0 ? -1 : Math.max(0, end - start + 1);
    const rows = this.db
      .prepare<unknown[], JobRow>(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE queue = ? AND state IN (${placeholders})
         ORDER BY CASE state ${stateOrder} END,
                  CASE WHEN ${FINISHED} THEN finished_on WHEN state = 'delayed' THEN run_at ELSE seq END ${dir},
                  id ${dir}
         LIMIT ? OFFSET ?`,
      )
      .all(queue, ...wanted, ...wanted, limit, Math.max(0, start));
    return rows.map((row) => toJobRecord(row, this.codec));
  }
}
