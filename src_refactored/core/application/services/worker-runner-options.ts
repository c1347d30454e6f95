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
}

/**
 * How the presentation layer plugs into a runner: it wraps each claimed record in its own job handle
 * (`C`), runs the user's processor, and turns outcomes into the Worker's events.
 */
export interface WorkerRunnerHooks<C> {
  createContext(record: JobRecord, token: string, signal: AbortSignal): C;
  process(context: C, token: string, signal: AbortSignal): Promise<unknown>;
  onActive(context: C): void;
  onCompleted(context: C, result: unknown, finishedOn: number): void;
  /** Every failed attempt; `final` when no retry follows. */
  onFailed(context: C, error: Error, final: boolean, finishedOn: number): void;
  onDrained(): void;
  onError(error: Error): void;
  onLockRenewalFailed(jobIds: string[]): void;
  /** The processor moved its own job (step jobs): no completed/failed outcome follows. */
  onMoved?(context: C): void;
}
