import type { JobState } from '../../domain/job/job-state.js';
import type { JobsOptions } from '../../domain/job/job-options.js';
import type { QueueEventRecord } from './event-bus.port.js';

/** A stored job as the application layer sees it (parsed JSON, epoch-ms times). */
export interface JobRecord {
  queue: string;
  id: string;
  name: string;
  data: unknown;
  opts: JobsOptions;
  state: JobState;
  priority: number;
  timestamp: number;
  delay: number;
  runAt: number | null;
  attemptsMade: number;
  attemptsStarted: number;
  stalledCounter: number;
  maxAttempts: number;
  progress: number | object;
  returnvalue: unknown;
  failedReason: string | null;
  stacktrace: string[];
  processedOn: number | null;
  finishedOn: number | null;
  processedBy: string | null;
  lockToken: string | null;
  lockedUntil: number | null;
  groupId: string | null;
  parent: { queue: string; id: string } | null;
  cancelReason: string | null;
}

/** What the queue service hands the store for one new job; `dataJson` is serialised once, by the caller. */
export interface NewJob {
  queue: string;
  name: string;
  dataJson: string;
  opts: JobsOptions;
  /** Custom id; when absent the store assigns the next per-queue counter value. */
  customId?: string;
  priority: number;
  lifo: boolean;
  delay: number;
  maxAttempts: number;
  groupId?: string;
  /** A flow parent: stored in `waiting-children` (its children are inserted right after it). */
  waitChildren?: boolean;
}

export interface InsertResult {
  record: JobRecord;
  /** true when a job with the same custom id already existed: nothing was written. */
  duplicated: boolean;
  /** Set when a live deduplication key pointed at `record`: the id the new job would have had. */
  deduplicatedJobId?: string;
}

/** Retention limits for one finished job, resolved from its options. */
export interface Retention {
  count?: number;
  ageMs?: number;
}

/** One settled attempt, written by `settle` with its token as the fence. */
export type SettleCommand =
  | { kind: 'complete'; queue: string; id: string; token: string; returnvalueJson: string; retention: Retention }
  | {
      kind: 'fail';
      queue: string;
      id: string;
      token: string;
      failedReason: string;
      stacktrace: string[];
      retention: Retention;
      /** opts.deadLetter.queue: the failed job is copied there in the same transaction. */
      deadLetter?: string;
    }
  | {
      kind: 'retry';
      queue: string;
      id: string;
      token: string;
      failedReason: string;
      stacktrace: string[];
      /** null: back to waiting now; otherwise delayed until then. */
      runAt: number | null;
    }
  /** Back to waiting without counting an attempt (the processor threw RateLimitError). */
  | { kind: 'requeue'; queue: string; id: string; token: string };

export interface ClaimRequest {
  queue: string;
  /** Unique per claim call: fences every later write of the claimed jobs. */
  token: string;
  limit: number;
  lockMs: number;
  workerName: string | null;
  /** The worker's `limiter`; applies when the queue has no global rate limit of its own. */
  limiter?: { max: number; duration: number };
  /** The worker's `group.concurrency`; the per-group limit when the queue sets none. */
  groupConcurrency?: number;
}

export interface SettleResult {
  /** Per command: false when the lock was lost (the job moved on without this worker). */
  accepted: boolean[];
  claimed: JobRecord[];
  /** Set when a rate limit stopped the claim: nothing more can be claimed before this time. */
  claimBlockedUntil?: number;
  /** Events of follow-up changes the settle made (parents released or failed, dead letters added). */
  effects?: QueueEventRecord[];
  /**
   * Set when the step was written into a transaction that commits later, with the caller's next steps
   * (`settle(…, continues)`): resolves with that commit, rejects when the steps were rolled back.
   */
  durable?: Promise<void>;
}
