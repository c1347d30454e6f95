import type { JobState, JobStateOrUnknown } from '../../domain/job/job-state.js';
import type { QueueEventRecord } from './event-bus.port.js';
import type { JobsOptions } from '../../domain/job/job-options.js';
import type {
  ClaimRequest,
  Retention,
  InsertResult,
  JobRecord,
  NewJob,
  SettleCommand,
  SettleResult,
} from './job-record.js';

export interface LockRef {
  queue: string;
  id: string;
  token: string;
}

export interface LockRenewal {
  /** false: the lock is gone (stalled and recovered, removed, or claimed elsewhere). */
  held: boolean;
  /** Set when someone asked to cancel the job (from any process). */
  cancelReason: string | null;
}

export interface StalledSweep {
  /** Jobs moved back to waiting (stalledCounter + 1). */
  recovered: { queue: string; id: string }[];
  /** Jobs failed because they stalled more than `maxStalledCount` times. */
  failed: { queue: string; id: string }[];
  /** Events of follow-up changes (parents of the failed jobs, dead letters). */
  effects?: QueueEventRecord[];
}

/** An active job whose lock had expired when it was read (first pass of stalled recovery). */
export interface StalledCandidate {
  id: string;
  lockedUntil: number;
  stalledCounter: number;
  opts: JobsOptions;
}

/** What to do with a candidate if its lock is still exactly as read: back to ready, or fail (with retention). */
export interface StalledDecision {
  id: string;
  lockedUntil: number;
  fail: boolean;
  retention: Retention;
}

export type RemoveOutcome = 'removed' | 'missing' | 'locked';

/**
 * Queue operations on stored jobs. Each method is atomic on its own; no connection or transaction type
 * crosses this port, so a PostgreSQL adapter can implement it unchanged (DESIGN.md §1). Every write a
 * worker makes on a claimed job passes its lock token and is a no-op when the token no longer matches.
 */
export interface IJobRepository {
  /** All-or-nothing: either every job is stored (or found as a duplicate) or none is. */
  insert(jobs: readonly NewJob[], now: number): Promise<InsertResult[]>;
  findById(queue: string, id: string): Promise<JobRecord | null>;
  getState(queue: string, id: string): Promise<JobStateOrUnknown>;

  /** Moves up to `limit` ready jobs, in (priority, seq) order, to active under `token`. */
  claim(request: ClaimRequest, now: number): Promise<JobRecord[]>;
  /**
   * Writes settled attempts (fenced by token) and optionally claims the next jobs, in one transaction.
   * `withinTransaction` gets the result before the commit (synchronously; it must not do I/O of its own):
   * events published there are stored by the same commit as the step they describe.
   * With `continues`, an adapter may leave the transaction open for the caller's next steps (group
   * commit) until `continues()` returns false at an event-loop turn boundary; the result's `durable`
   * then settles with that commit. Other writes are not held back: they commit held steps first.
   */
  settle(
    commands: readonly SettleCommand[],
    now: number,
    next?: ClaimRequest,
    withinTransaction?: (result: SettleResult) => void,
    continues?: () => boolean,
  ): Promise<SettleResult>;
  /** Returns active jobs to waiting without counting an attempt (a worker closing with `force`). */
  release(locks: readonly LockRef[]): Promise<void>;
  extendLocks(locks: readonly LockRef[], until: number): Promise<LockRenewal[]>;

  /** Writes with `token` are fenced; without one (a queue-side call) they apply in any state. */
  updateProgress(queue: string, id: string, progressJson: string, token?: string): Promise<boolean>;
  updateData(queue: string, id: string, dataJson: string, token?: string): Promise<boolean>;
  addLog(queue: string, id: string, message: string, keepLogs?: number, token?: string): Promise<number | null>;
  getLogs(queue: string, id: string, start: number, end: number, asc: boolean): Promise<{ logs: string[]; count: number }>;

  countByStates(queue: string, states: readonly JobState[]): Promise<Record<JobState, number>>;
  /** Jobs of the given states, ordered per state as BullMQ lists them; `end` inclusive, -1 for all. */
  list(queue: string, states: readonly JobState[], start: number, end: number, asc: boolean): Promise<JobRecord[]>;

  /** Removes the job with its flow subtree, unless one of them is active ('locked': nothing removed). */
  remove(queue: string, id: string, now: number): Promise<RemoveOutcome>;
  /** Removes waiting and prioritized jobs (and delayed ones when asked). */
  drain(queue: string, includeDelayed: boolean): Promise<number>;
  /** Removes up to `limit` jobs of `state` older than `graceMs`; returns their ids. */
  clean(queue: string, graceMs: number, limit: number, state: JobState, now: number): Promise<string[]>;
  /** Deletes every job and the queue's row; refuses with 'active' when jobs are active and not forced. */
  obliterate(queue: string, force: boolean): Promise<'done' | 'active'>;
  /** Moves finished jobs (finished at or before `timestamp`) back to waiting, `count` per call at most. */
  retryJobs(queue: string, state: 'failed' | 'completed', count: number, timestamp: number): Promise<number>;
  retryJob(queue: string, id: string, fromState: 'failed' | 'completed', resetAttemptsMade: boolean): Promise<boolean>;
  /** Moves up to `count` delayed jobs of the queue to waiting now. */
  promoteJobs(queue: string, count: number): Promise<number>;
  promote(queue: string, id: string): Promise<boolean>;

  /** Delayed jobs whose time has come move to waiting, FIFO by due time. Returns them per queue. */
  promoteDue(now: number): Promise<{ queue: string; ids: string[] }[]>;
  /** Earliest due time of any delayed job, or null. */
  nextDueAt(): Promise<number | null>;
  /** Active jobs of `queue` whose lock expired before `now` (at most `limit`): the first pass. */
  findStalled(queue: string, now: number, limit: number): Promise<StalledCandidate[]>;
  /**
   * Second pass: each decided job whose lock is unchanged since `findStalled` goes back to ready
   * (stalledCounter + 1) or fails with `job stalled more than allowable limit`; a renewed or re-claimed
   * job is left alone. Retention of the failed ones applies in the same transaction.
   */
  recoverStalledJobs(queue: string, decisions: readonly StalledDecision[], now: number): Promise<StalledSweep>;
  /** Keeps the finished jobs of `state` within `retention` (the periodic sweep for age rules); bounded work. */
  applyRetention(queue: string, state: 'completed' | 'failed', retention: Retention, now: number): Promise<void>;
  /** Options of the most recently finished job of `state`: its retention rule is the one in force. */
  newestFinishedOpts(queue: string, state: 'completed' | 'failed'): Promise<JobsOptions | null>;
}

export const JOB_REPOSITORY = Symbol.for('bullite.IJobRepository');
