import type { DependencyStatus } from '../../domain/job/dependency-policy.js';
import type { InsertResult, JobRecord, NewJob } from './job-record.js';
import type { LockRef } from './job-repository.port.js';

/** One job of a flow and its children; `job.opts.parent` of the children is filled in by the store. */
export interface FlowNodeInput {
  job: NewJob;
  children: FlowNodeInput[];
}

export interface FlowNodeResult {
  result: InsertResult;
  /** Empty when the node was a duplicate (an existing custom id): its subtree was not inserted. */
  children: FlowNodeResult[];
}

/** One dependency of a job: a flow child or a `dependsOn` job, by public id. */
export interface DependencyEntry {
  queue: string;
  id: string;
  status: DependencyStatus;
  /** processed: the child's return value; failed / ignored: its failure reason. */
  value: unknown;
}

/** `failed-child`: a child with failParentOnFailure (or a dependsOn job) already failed; nothing moved. */
export type WaitingChildrenOutcome = 'moved' | 'no-pending' | 'lock-lost' | 'failed-child';

/**
 * Parent/child flows and `dependsOn` DAGs. Resolving a parent when a child settles is not here: it happens
 * inside IJobRepository.settle, in the child's own transaction.
 */
export interface IFlowRepository {
  /** Every tree is inserted in one transaction: all of them or none. */
  insertFlows(flows: readonly FlowNodeInput[], now: number): Promise<FlowNodeResult[]>;
  dependencies(queue: string, id: string): Promise<DependencyEntry[]>;
  /** Stored children of a flow job (those not removed yet), oldest first, at most `limit` (-1: all). */
  children(queue: string, id: string, limit: number): Promise<JobRecord[]>;
  /** An active job with unresolved dependencies parks in `waiting-children` (fenced by its token). */
  moveToWaitingChildren(lock: LockRef): Promise<WaitingChildrenOutcome>;
}

export const FLOW_REPOSITORY = Symbol.for('bullite.IFlowRepository');
