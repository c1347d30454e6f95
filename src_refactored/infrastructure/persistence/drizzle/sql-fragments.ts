import type { ClaimRequest } from '../../../core/application/ports/job-record.js';

/**
 * SQL pieces shared by several statements. Partial indexes are only used when the query repeats their
 * WHERE term literally (SQLite's prover does not derive `state IN (…)` from `state = ?`), hence these.
 */
export const READY = `state IN ('waiting', 'prioritized')`;
export const FINISHED = `state IN ('completed', 'failed')`;
/**
 * The partial-index term a query on one state of a queue repeats: jobs_search / jobs_search_name hold
 * every state but active, jobs_active_queue the active jobs.
 */
export function stateIndexTerm(state: string): string {
  return state === 'active' ? `state = 'active'` : `state <> 'active'`;
}
/**
 * A job's data wherever it is stored: large data lives in job_payloads and its row holds ''
 * (sqlite-job-payloads.ts). Qualified, so it also reads right inside RETURNING and beside an alias `data`.
 */
export const JOB_DATA = `CASE jobs.data WHEN '' THEN (SELECT p.data FROM job_payloads p WHERE p.id = jobs.id) ELSE jobs.data END`;
/**
 * Every `jobs` column, data resolved: the select list (or RETURNING list) of the statements that read whole
 * jobs, in place of `*`. tests/integration/large-payloads.test.ts checks it names every column of the table.
 */
export const JOB_COLUMNS = `id, queue, job_id, name, ${JOB_DATA} AS data, opts, state, priority, seq, timestamp, delay,
  run_at, attempts_made, attempts_started, stalled_counter, max_attempts, progress, returnvalue, failed_reason,
  stacktrace, processed_on, finished_on, processed_by, lock_token, locked_until, group_id, parent_queue, parent_id,
  pending_deps, cancel_reason, dedup_id`;
/** One whole job by its id (positional: queue, job id), data resolved. */
export const JOB_BY_ID = `SELECT ${JOB_COLUMNS} FROM jobs WHERE queue = ? AND job_id = ?`;
/** The state a job enters when it becomes runnable again. */
export const READY_STATE_OF_ROW = `CASE WHEN priority > 0 THEN 'prioritized' ELSE 'waiting' END`;
/** Keeps a LIFO job (negative seq) at the front when it is re-sequenced. */
export const RESEQUENCE = `CASE WHEN seq < 0 THEN -@seq ELSE @seq END`;
/**
 * In a RETURNING clause of a statement on one job: 1 when some parent (flow parent or `dependsOn`
 * dependent) has an edge to it. One probe of job_dependencies_child; the settle path only resolves
 * parents when it is 1.
 */
export const HAS_DEPENDENT_EDGE = `EXISTS (SELECT 1 FROM job_dependencies d WHERE d.child_queue = jobs.queue AND d.child_id = jobs.job_id)`;
export const LINKED = `${HAS_DEPENDENT_EDGE} AS linked`;
/** Conditions a worker write on its claimed job: named params @queue, @id, @token. */
export const LOCK_FENCE = `queue = @queue AND job_id = @id AND lock_token = @token AND state = 'active'`;
export const UNLOCKED = `lock_token = NULL, locked_until = NULL`;
/**
 * What a claim writes on each job it takes (token, lock expiry, now, worker), its parameters rendered by
 * `param`. It keeps `cancel_reason`: a job cancelled while active that came back to waiting (its worker
 * died, or the attempt failed just then) is cancelled as soon as it is claimed again; only an explicit
 * retry clears it.
 */
const claimSet = (param: (name: string) => string) =>
  `state = 'active', lock_token = ${param('token')}, locked_until = ${param('lockedUntil')}, processed_on = ${param('now')},
                attempts_started = attempts_started + 1, processed_by = ${param('worker')}`;
/** Named parameters (claimParams): PostgreSQL's claim statements. */
export const CLAIM_SET = claimSet((name) => `@${name}`);
/**
 * Positional parameters (claimValues, in that order): SQLite's claims, which run once per job.
 * better-sqlite3 looks every named parameter up on the object it is given (~0.35 µs each, scratch
 * micro-benchmark of a five-parameter UPDATE: 3.3 µs named against 1.5 µs positional).
 */
export const CLAIM_SET_POSITIONAL = claimSet(() => '?');

/** What a claim writes, by name (PostgreSQL's claim statements bind them by name). */
export function claimParams(request: ClaimRequest, now: number) {
  return { token: request.token, lockedUntil: now + request.lockMs, now, worker: request.workerName };
}

/** CLAIM_SET_POSITIONAL's parameters, in its order (built once per claim batch, not per job). */
export function claimValues(request: ClaimRequest, now: number): unknown[] {
  const p = claimParams(request, now);
  return [p.token, p.lockedUntil, p.now, p.worker];
}
