import type {
  DataCondition,
  IJobSearchRepository,
  JobSearchFilter,
  JobSearchPage,
  JobSearchQuery,
  SearchPosition,
} from '../../../core/application/ports/job-search.port.js';
import type { JobState } from '../../../core/domain/job/job-state.js';
import type { PgStore } from './pg-store.js';
import { PgStatement } from './pg-statement.js';
import { toJobRecord, type JobRow } from '../drizzle/job-row.mapper.js';
import { plainCodec, type PayloadCodec } from '../codec/payload-codec.js';
import { BulliteError } from '../../../shared/bullite-error.js';

/** Statements are built per filter shape (which conditions are present); this many shapes stay built. */
const STATEMENT_CACHE = 64;
const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;

const COMPARE: Record<string, string> = { eq: '=', ne: 'IS DISTINCT FROM', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** `$.items[0].sku` → {items,0,sku}: the text[] path of `#>` (the validated path has plain keys and indexes only). */
function pathArray(path: string): string[] {
  return path
    .replace(/^\$\./, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.');
}

/** Collects bound values as @p0, @p1, … (PgStatement turns them into $n). */
class Params {
  readonly values: Record<string, unknown> = {};
  private n = 0;

  add(value: unknown): string {
    const name = `p${this.n++}`;
    this.values[name] = value;
    return `@${name}`;
  }
}

/**
 * SQL for one data condition; every value (and the path) is a bound parameter, never spliced text. Values
 * are compared as jsonb (numbers numerically, strings as strings, true = true), as SQLite's json_extract
 * compares them; `ne` keeps rows without the field, as SQLite's `IS NOT` does.
 */
function conditionSql(c: DataCondition, p: Params): string {
  const field = `(data::jsonb #> ${p.add(pathArray(c.path))}::text[])`;
  switch (c.op) {
    case 'in':
      return `${field} IN (SELECT jsonb_array_elements(${p.add(JSON.stringify(c.value))}::jsonb))`;
    case 'contains':
      return `strpos(data::jsonb #>> ${p.add(pathArray(c.path))}::text[], ${p.add(c.value)}::text) > 0`;
    case 'exists':
      return c.value ? `${field} IS NOT NULL` : `${field} IS NULL`;
    default:
      if (c.value === null) return c.op === 'ne' ? `jsonb_typeof${field} IS DISTINCT FROM 'null'` : `jsonb_typeof${field} = 'null'`;
      return `${field} ${COMPARE[c.op]} ${p.add(JSON.stringify(c.value))}::jsonb`;
  }
}

/**
 * searchJobs on PostgreSQL (the twin of SqliteJobSearch). One query per requested state, each walking
 * jobs_search (or jobs_search_name when a name is given) from the cursor in index order and stopping after
 * limit+1 rows; the pages are merged in (timestamp, id) order. `(timestamp, id) > (…)` is a row comparison
 * PostgreSQL uses as an index range condition, so a page costs the same at the start and at the end (the
 * EXPLAIN check is in tests/postgres/pg-job-search.test.ts). PostgreSQL has no INDEXED BY: the equality
 * columns plus the ORDER BY matching each index's column order are what make the planner pick it.
 */
export class PgJobSearch implements IJobSearchRepository {
  private readonly cache = new Map<string, PgStatement<unknown>>();

  constructor(
    private readonly store: PgStore,
    private readonly codec: PayloadCodec = plainCodec,
  ) {}

  search(query: JobSearchQuery): Promise<JobSearchPage> {
    this.assertSearchable(query);
    return this.store.tx.read(async () => {
      const rows: JobRow[] = [];
      for (const state of query.states) {
        const { text, values } = this.pageSql(query, state);
        rows.push(...((await this.statement(text).all(this.store.tx.ex, values)) as JobRow[]));
      }
      const sign = query.order === 'desc' ? -1 : 1;
      rows.sort((a, b) => sign * (a.timestamp - b.timestamp || a.id - b.id));
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const next: SearchPosition | null = rows.length > query.limit && last ? { timestamp: last.timestamp, row: last.id } : null;
      return { jobs: page.map((row) => toJobRecord(row, this.codec)), next };
    });
  }

  count(filter: JobSearchFilter, cap?: number): Promise<Record<JobState, number>> {
    this.assertSearchable(filter);
    return this.store.tx.read(async () => {
      const result = {} as Record<JobState, number>;
      for (const state of filter.states) {
        const p = new Params();
        const where = this.where(filter, state, p);
        // LIMIT NULL is no limit.
        const text = `SELECT count(*) AS n FROM (SELECT 1 FROM jobs WHERE ${where} LIMIT ${p.add(cap ?? null)}::bigint) AS capped`;
        const row = (await this.statement(text).get(this.store.tx.ex, p.values)) as { n: number } | undefined;
        result[state] = row?.n ?? 0;
      }
      return result;
    });
  }

  /** The page query of one state; exported shape for the EXPLAIN test. */
  pageSql(query: JobSearchQuery, state: JobState): { text: string; values: Record<string, unknown> } {
    const desc = query.order === 'desc';
    const after = query.after ?? (desc ? { timestamp: MAX, row: MAX } : { timestamp: MIN, row: MIN });
    const p = new Params();
    const where = this.where(query, state, p);
    const dir = desc ? 'DESC' : 'ASC';
    const text =
      `SELECT * FROM jobs WHERE ${where} AND (timestamp, id) ${desc ? '<' : '>'} (${p.add(after.timestamp)}::bigint, ${p.add(after.row)}::bigint) ` +
      `ORDER BY timestamp ${dir}, id ${dir} LIMIT ${p.add(query.limit + 1)}`;
    return { text, values: p.values };
  }

  /** The job data may be encrypted: say so instead of silently matching nothing. */
  private assertSearchable(filter: JobSearchFilter): void {
    if (filter.data.length > 0 && this.codec !== plainCodec) {
      throw new BulliteError('ERR_ENCRYPTED_SEARCH', 'dataQuery cannot filter job data on an encrypted store; filter by states, name and time instead');
    }
  }

  private where(filter: JobSearchFilter, state: JobState, p: Params): string {
    const terms = [`queue = ${p.add(filter.queue)}`, `state = ${p.add(state)}`];
    if (filter.name !== undefined) terms.push(`name = ${p.add(filter.name)}`);
    terms.push(`timestamp BETWEEN ${p.add(filter.from ?? MIN)}::bigint AND ${p.add(filter.to ?? MAX)}::bigint`);
    for (const condition of filter.data) terms.push(conditionSql(condition, p));
    return terms.join(' AND ');
  }

  private statement(text: string): PgStatement<unknown> {
    let stmt = this.cache.get(text);
    if (stmt === undefined) {
      stmt = new PgStatement<unknown>(text);
      if (this.cache.size >= STATEMENT_CACHE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(text, stmt);
    }
    return stmt;
  }
}
