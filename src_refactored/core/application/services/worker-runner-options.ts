import type { KeepJobs } from '../../domain/job/job-options.js';
import type { JobRecord } from '../ports/job-record.js';

export type BackoffStrategy = (attemptsMade: number, type: string, error: Error, job: unknown) => number | Promise<number>;

export interface WorkerRunnerOptions {
  concurrency: number;
  lockDuration: number;
  lockRenewTime: number;
  stalledInterval: number;
  maxStalledCount: number;
  name: string | null;
  removeOnComplete?: KeepJobs;
  removeOnFail?: KeepJobs;
  backoffStrategy?: BackoffStrategy;
  /** Claims of the queue, across all workers and processes, at most `max` per `duration` ms. */
  limiter?: { max: number; duration: number };
  /** Default per-group active limit (Worker option `group.concurrency`) when the queue sets none. */
  groupConcurrency?: number;
}

/**
 * How the presentation layer plugs into a runner: it wraps each claimed record in its own job handle
 * (`C`), runs the user's processor, and turns outcomes into the Worker's events.
 */
export interface WorkerRunnerHooks<C> {
  createContext(record: JobRecord, token: string): C;
  /**
   * Runs the attempt. Its signal is `attempt.signal`, which Node creates on first read (~3 µs and a
   * scavenge survivor each): read it only when the processor can see it.
   */
  process(context: C, token: string, attempt: { readonly signal: AbortSignal }): Promise<unknown>;
  onActive(context: C): void;
  onCompleted(context: C, result: unknown, finishedOn: number): void;
  /** Every failed attempt; `final` when no retry follows. */
  onFailed(context: C, error: Error, final: boolean, finishedOn: number): void;
  /** The attempt handed the job back to waiting without counting (RateLimitError). */
  onRequeued?(context: C): void;
  onDrained(): void;
  onError(error: Error): void;
  onLockRenewalFailed(jobIds: string[]): void;
  /** The processor moved its own job (step jobs): no completed/failed outcome follows. */
  onMoved?(context: C): void;
}
