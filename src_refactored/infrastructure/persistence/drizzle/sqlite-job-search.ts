import type { Statement } from 'better-sqlite3';
import type {
  DataCondition,
  IJobSearchRepository,
  JobSearchFilter,
  JobSearchPage,
  JobSearchQuery,
  SearchPosition,
} from '../../../core/application/ports/job-search.port.js';
import type { JobState } from '../../../core/domain/job/job-state.js';
import type { SqliteDb } from './sqlite-database.js';
import { toJobRecord, type JobRow } from './job-row.mapper.js';
import { plainCodec, type PayloadCodec } from '../codec/payload-codec.js';
import { BulliteError } from '../../../shared/bullite-error.js';
import { JOB_COLUMNS, JOB_DATA, stateIndexTerm } from './sql-fragments.js';

/** Statements are built per filter shape (which conditions are present); this many shapes stay prepared. */
const STATEMENT_CACHE = 64;
const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;

const COMPARE: Record<string, string> = { eq: '=', ne: 'IS NOT', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** better-sqlite3 binds no booleans; SQLite's JSON functions return true/false as 1/0. */
const bindable = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

/** SQL for one data condition; every value (and the path) is a bound parameter, never spliced text. */
function conditionSql(c: DataCondition, params: unknown[]): string {
  params.push(c.path);
  switch (c.op) {
    case 'in':
      params.push(JSON.stringify(c.value));
      return `json_extract(${JOB_DATA}, ?) IN (SELECT value FROM json_each(?))`;
    case 'contains':
      params.push(c.value);
      return `instr(json_extract(${JOB_DATA}, ?), ?) > 0`;
    case 'exists':
      return c.value ? `json_type(${JOB_DATA}, ?) IS NOT NULL` : `json_type(${JOB_DATA}, ?) IS NULL`;
    default:
      if (c.value === null) return c.op === 'ne' ? `json_type(${JOB_DATA}, ?) IS NOT 'null'` : `json_type(${JOB_DATA}, ?) = 'null'`;
      params.push(bindable(c.value));
      return `json_extract(${JOB_DATA}, ?) ${COMPARE[c.op]} ?`;
  }
}

/**
 * searchJobs on SQLite. One query per requested state, each walking jobs_search (or jobs_search_name
 * when a name is given) from the cursor in index order and stopping after limit+1 rows; the pages are
 * merged in (timestamp, rowid) order. `(timestamp, id) < (?, ?)` is a row-value range on the index, so a
 * page costs the same at the start and at the end of a million jobs (tests/bench/observe-bench.ts).
 */
export class SqliteJobSearch implements IJobSearchRepository {
  private readonly cache = new Map<string, Statement<unknown[], unknown>>();

  constructor(
    private readonly db: SqliteDb,
    private readonly codec: PayloadCodec = plainCodec,
  ) {}

  async search(query: JobSearchQuery): Promise<JobSearchPage> {
    this.assertSearchable(query);
    const desc = query.order === 'desc';
    const after = query.after ?? (desc ? { timestamp: MAX, row: MAX } : { timestamp: MIN, row: MIN });
    const rows: JobRow[] = [];
    for (const state of query.states) {
      const params: unknown[] = [];
      const where = this.where(query, state, params);
      const sql =
        `SELECT ${JOB_COLUMNS} FROM jobs ${this.indexFor(query, state)} WHERE ${where} AND (timestamp, id) ${desc ? '<' : '>'} (?, ?) ` +
        `ORDER BY timestamp ${desc ? 'DESC' : 'ASC'}, id ${desc ? 'DESC' : 'ASC'} LIMIT ?`;
      rows.push(...(this.statement(sql).all(...params, after.timestamp, after.row, query.limit + 1) as JobRow[]));
    }
    const sign = desc ? -1 : 1;
    rows.sort((a, b) => sign * (a.timestamp - b.timestamp || a.id - b.id));
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const next: SearchPosition | null = rows.length > query.limit && last ? { timestamp: last.timestamp, row: last.id } : null;
    return { jobs: page.map((row) => toJobRecord(row, this.codec)), next };
  }

  async count(filter: JobSearchFilter, cap?: number): Promise<Record<JobState, number>> {
    this.assertSearchable(filter);
    const result = {} as Record<JobState, number>;
    for (const state of filter.states) {
      const params: unknown[] = [];
      const where = this.where(filter, state, params);
      const sql = `SELECT count(*) FROM (SELECT 1 FROM jobs ${this.indexFor(filter, state)} WHERE ${where} LIMIT ?)`;
      result[state] = this.statement(sql, true).get(...params, cap ?? -1) as number;
    }
    return result;
  }

  /** SQLite cannot look inside encrypted job data: say so instead of silently matching nothing. */
  private assertSearchable(filter: JobSearchFilter): void {
    if (filter.data.length > 0 && this.codec !== plainCodec) {
      throw new BulliteError('ERR_ENCRYPTED_SEARCH', 'dataQuery cannot filter job data on an encrypted store; filter by states, name and time instead');
    }
  }

  /**
   * Pinned rather than left to the planner: without ANALYZE statistics it may walk the name-less index
   * for a name filter (measured: it did on a fresh file), which reads every job of the state. Active jobs
   * are not in those indexes: they are read through jobs_active_queue and sorted (as many rows as the
   * workers' total concurrency).
   */
  private indexFor(filter: JobSearchFilter, state: JobState): string {
    if (state === 'active') return 'INDEXED BY jobs_active_queue';
    return filter.name === undefined ? 'INDEXED BY jobs_search' : 'INDEXED BY jobs_search_name';
  }

  private where(filter: JobSearchFilter, state: JobState, params: unknown[]): string {
    // The partial indexes' own terms, literally (SQLite does not derive them from `state = ?`).
    const terms = ['queue = ?', 'state = ?', stateIndexTerm(state)];
    params.push(filter.queue, state);
    if (filter.name !== undefined) {
      terms.push('name = ?');
      params.push(filter.name);
    }
    terms.push('timestamp BETWEEN ? AND ?');
    params.push(filter.from ?? MIN, filter.to ?? MAX);
    for (const condition of filter.data) terms.push(conditionSql(condition, params));
    return terms.join(' AND ');
  }

  private statement(sql: string, pluck = false): Statement<unknown[], unknown> {
    let stmt = this.cache.get(sql);
    if (stmt === undefined) {
      stmt = this.db.prepare<unknown[], unknown>(sql);
      if (pluck) stmt.pluck();
      if (this.cache.size >= STATEMENT_CACHE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }
}
