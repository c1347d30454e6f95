/** Retention rule for finished jobs: true = remove at once, false = keep forever, number = keep the newest N. */
export type KeepJobs = boolean | number | { age?: number; count?: number };

export type BackoffOptions = number | { type: string; delay?: number; jitter?: number };

/** Job options as stored with the job, after validation and defaults (DESIGN.md §3 "JobsOptions"). */
export interface JobsOptions {
  priority?: number;
  delay?: number;
  attempts?: number;
  backoff?: BackoffOptions;
  lifo?: boolean;
  jobId?: string;
  removeOnComplete?: KeepJobs;
  removeOnFail?: KeepJobs;
  keepLogs?: number;
  stackTraceLimit?: number;
  sizeLimit?: number;
  timeout?: number;
  group?: { id: string };
  parent?: { id: string; queue: string };
  failParentOnFailure?: boolean;
  continueParentOnFailure?: boolean;
  ignoreDependencyOnFailure?: boolean;
  removeDependencyOnFailure?: boolean;
  deduplication?: { id: string; ttl?: number; extend?: boolean; replace?: boolean; keepLastIfActive?: boolean };
  deadLetter?: { queue: string };
  dependsOn?: string[];
  /** Internal: set on jobs created by a job scheduler. */
  repeatJobKey?: string;
}

/**
 * Defaults applied when neither the job nor the queue says otherwise. Finished jobs are bounded by
 * default (DESIGN.md §4: "kept forever only if the user asks", i.e. `removeOnComplete: false`), so a
 * long-running desktop app's file does not grow without limit.
 */
export const DEFAULT_REMOVE_ON_COMPLETE: KeepJobs = { count: 1000 };
export const DEFAULT_REMOVE_ON_FAIL: KeepJobs = { count: 10_000 };
export const DEFAULT_STACKTRACE_LIMIT = 10;

/** Normalises a retention rule to the limits the store enforces; `undefined` fields mean no limit. */
export function retentionLimits(keep: KeepJobs | undefined, fallback: KeepJobs): { count?: number; ageMs?: number } {
  const rule = keep === undefined ? fallback : keep;
  if (rule === true) return { count: 0 };
  if (rule === false) return {};
  if (typeof rule === 'number') return { count: Math.max(0, rule) };
  return {
    count: rule.count === undefined ? undefined : Math.max(0, rule.count),
    ageMs: rule.age === undefined ? undefined : rule.age * 1000,
  };
}
