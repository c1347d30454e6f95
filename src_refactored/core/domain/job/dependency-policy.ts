import type { JobsOptions } from './job-options.js';
import { ValidationError } from '../../../shared/bullite-error.js';

/**
 * How an edge of a flow or DAG reacts when its child fails for good. Fixed when the edge is created, from
 * the child's options, so the store resolves a parent without reading the child again (the child may be
 * gone already: `removeOnFail: true`).
 * - `child`: no option set (BullMQ's default): the edge stays pending, the parent keeps waiting; retrying
 *   the child can still complete it.
 * - `fail-parent`: the parent fails with `child <queue>:<id> failed`, and so on up the tree.
 * - `continue-parent`: the parent becomes runnable at once, whatever its other children are doing.
 * - `ignore`: the failure is recorded (getDependencies().ignored) and counts as resolved.
 * - `remove`: the edge is dropped and counts as resolved.
 * - `depends-on`: a `dependsOn` edge; the dependent fails with `dependency <queue>:<id> failed`.
 */
export type DependencyKind = 'child' | 'fail-parent' | 'continue-parent' | 'ignore' | 'remove' | 'depends-on';

export type DependencyStatus = 'pending' | 'processed' | 'failed' | 'ignored';

export const CHILD_FAILURE_OPTIONS = [
  'failParentOnFailure',
  'continueParentOnFailure',
  'ignoreDependencyOnFailure',
  'removeDependencyOnFailure',
] as const;

const KIND_OF_OPTION: Record<(typeof CHILD_FAILURE_OPTIONS)[number], DependencyKind> = {
  failParentOnFailure: 'fail-parent',
  continueParentOnFailure: 'continue-parent',
  ignoreDependencyOnFailure: 'ignore',
  removeDependencyOnFailure: 'remove',
};

export function childDependencyKind(opts: JobsOptions): DependencyKind {
  const set = CHILD_FAILURE_OPTIONS.find((name) => opts[name] === true);
  return set === undefined ? 'child' : KIND_OF_OPTION[set];
}

/** The second failure option set, if more than one is: they are mutually exclusive. */
export function conflictingFailureOption(opts: Partial<Record<(typeof CHILD_FAILURE_OPTIONS)[number], unknown>>): string | undefined {
  return CHILD_FAILURE_OPTIONS.filter((name) => opts[name] === true)[1];
}

/**
 * Cross-field checks of a job's link options, run before anything is stored: the child failure options
 * are mutually exclusive, and a job cannot depend on itself or dead-letter into its own queue.
 */
export function assertLinkOptions(queue: string, opts: JobsOptions, prefix = ''): void {
  const second = conflictingFailureOption(opts);
  if (second !== undefined) {
    throw new ValidationError(`${prefix}opts.${second}`, `${CHILD_FAILURE_OPTIONS.join(', ')} are mutually exclusive: set at most one`);
  }
  if (opts.deadLetter !== undefined && opts.deadLetter.queue === queue) {
    throw new ValidationError(`${prefix}opts.deadLetter.queue`, 'The dead-letter queue must be another queue than the job\'s own');
  }
  const self = opts.jobId === undefined ? -1 : (opts.dependsOn ?? []).indexOf(opts.jobId);
  if (self >= 0) throw new ValidationError(`${prefix}opts.dependsOn[${self}]`, 'A job cannot depend on itself');
}

/** The key a dependency is reported under by getChildrenValues / getDependencies (BullMQ's, without a prefix). */
export function dependencyKey(queue: string, id: string): string {
  return `${queue}:${id}`;
}
