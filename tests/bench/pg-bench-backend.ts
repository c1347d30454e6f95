import { randomUUID } from 'node:crypto';
import { createQueueEngine, type QueueEngine, type QueueEngineOptions } from '../../src_refactored/index.js';
import { fillWaitingJobs } from './million-store.js';
import type { WorkloadSummary } from './bench-report.js';

/**
 * `npm run bench -- --backend postgres|both [--pg-url postgres://…]`: W1–W7 on a PostgreSQL server
 * (URL from --pg-url or BULLITE_BENCH_PG_URL), each workload in a fresh schema dropped afterwards.
 * The orchestrator passes the backend to each workload process in the environment; a workload's store
 * "path" is then the URL with `?schema=`, which the worker processes of W5x/W7 open the same way.
 * The raw baselines R1–R3 stay on SQLite: they are the single-machine limit both backends are held to.
 */
export type Backend = 'sqlite' | 'postgres';

/** Workloads that run on PostgreSQL (W8 pages a SQLite store built by SQL; it stays SQLite-only). */
export const PG_WORKLOADS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W5x', 'IDLE', 'W6', 'W7'];

const BACKEND_ENV = 'BULLITE_BENCH_BACKEND';
const URL_ENV = 'BULLITE_BENCH_PG_URL';

export function parseBackends(argv: string[]): { backends: Backend[]; pgUrl?: string } {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const choice = value('--backend') ?? 'sqlite';
  const backends: Backend[] | undefined = { sqlite: ['sqlite'], postgres: ['postgres'], both: ['sqlite', 'postgres'] }[choice] as Backend[] | undefined;
  if (backends === undefined) throw new Error(`--backend must be sqlite, postgres or both, got ${choice}`);
  const pgUrl = value('--pg-url') ?? process.env[URL_ENV];
  if (backends.includes('postgres') && !pgUrl) throw new Error(`--backend ${choice} needs --pg-url postgres://… or ${URL_ENV}`);
  return { backends, pgUrl };
}

/** The environment of a workload process for `backend`. */
export function backendEnv(backend: Backend, pgUrl: string | undefined): NodeJS.ProcessEnv {
  return backend === 'postgres' ? { ...process.env, [BACKEND_ENV]: 'postgres', [URL_ENV]: pgUrl } : { ...process.env, [BACKEND_ENV]: 'sqlite' };
}

export function onPostgres(): boolean {
  return process.env[BACKEND_ENV] === 'postgres';
}

/** Engine options for a workload's store: a SQLite file path, or a PostgreSQL URL carrying `?schema=`. */
export function benchEngineOptions(store: string): QueueEngineOptions {
  if (!store.startsWith('postgres://') && !store.startsWith('postgresql://')) return { path: store };
  const url = new URL(store);
  const schema = url.searchParams.get('schema') ?? 'public';
  url.searchParams.delete('schema');
  return { postgres: { connectionString: url.toString(), schema } };
}

/** The PostgreSQL twin of withEngine: a fresh schema, default engine options, the schema dropped after. */
export async function withPgEngine<T>(work: (engine: QueueEngine, store: string) => Promise<T>): Promise<T> {
  const base = process.env[URL_ENV]!;
  const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const store = `${base}${base.includes('?') ? '&' : '?'}schema=${schema}`;
  const engine = await createQueueEngine(benchEngineOptions(store));
  try {
    return await work(engine, store);
  } finally {
    await engine.close();
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

/**
 * W6's backlog on either backend. On PostgreSQL: the rows fillWaitingJobs writes on SQLite (same
 * columns and JSON text), from one INSERT…SELECT over generate_series, and the queue's counters advanced.
 */
export async function fillBenchStore(store: string, queue: string, count: number, now: number): Promise<void> {
  const options = benchEngineOptions(store) as { path?: string; postgres?: { connectionString: string; schema: string } };
  if (options.postgres === undefined) return fillWaitingJobs(store, queue, count, now);
  // Imported here, not at the top: the SQLite children would carry node-postgres (~10 MB of RSS).
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: options.postgres.connectionString });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${options.postgres.schema}"`);
    await client.query('BEGIN');
    const { rows } = await client.query('SELECT seq_counter AS seq, id_counter AS id FROM queues WHERE name = $1 FOR UPDATE', [queue]);
    const base = { seq: Number(rows[0]?.seq ?? 0), id: Number(rows[0]?.id ?? 0) };
    await client.query(
      `INSERT INTO jobs (queue, job_id, name, data, opts, state, priority, seq, timestamp, delay, run_at, max_attempts, group_id)
       SELECT $1, ($2::bigint + i)::text, 'bulk', '{"i":' || i || '}', '{}', 'waiting', 0, $3::bigint + i, $4::bigint, 0, NULL, 1, NULL
       FROM generate_series(1, $5::bigint) AS i`,
      [queue, base.id, base.seq, now, count],
    );
    await client.query(
      `INSERT INTO queues (name, id_counter, seq_counter) VALUES ($1, $2, $2)
       ON CONFLICT (name) DO UPDATE SET id_counter = queues.id_counter + $2, seq_counter = queues.seq_counter + $2`,
      [queue, count],
    );
    await client.query('COMMIT');
    await client.query('ANALYZE jobs');
  } finally {
    await client.end();
  }
}

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US').replace(/,/g, ' ') : String(n));
const cell = (s: WorkloadSummary | undefined, name: string) => {
  if (s === undefined) return '';
  const tail = name === 'W5' || name === 'W5x' ? ` (p50 ${s.extra.p50} / p99 ${s.extra.p99})` : '';
  return `${fmt(s.median)} ${s.unit}${tail}`;
};

/** SQLite and PostgreSQL medians side by side, for the workloads both ran. */
export function sideBySide(sqlite: Record<string, WorkloadSummary>, postgres: Record<string, WorkloadSummary>): string {
  const lines = ['| workload | what | SQLite (one file) | PostgreSQL | PostgreSQL / SQLite | PG peak RSS MB |', '|---|---|---:|---:|---:|---:|'];
  for (const [name, p] of Object.entries(postgres)) {
    if (name.startsWith('R')) continue;
    const s = sqlite[name];
    const ratio = s === undefined || s.median === 0 ? '' : `${(p.median / s.median).toFixed(2)} ×`;
    lines.push(`| ${name} | ${p.title} | ${cell(s, name)} | ${cell(p, name)} | ${ratio} | ${p.rssMB} |`);
  }
  return lines.join('\n');
}
