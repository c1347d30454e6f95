import type { QueueEventRecord } from './event-bus.port.js';

export interface RateLimit {
  max: number;
  duration: number;
}

/**
 * What `cancel` found: a job that was not running is failed at once (`effects`: events of the parents it
 * resolved and its dead letter); a running one is flagged for its worker.
 */
export type CancelOutcome =
  | { kind: 'failed'; prev: string; effects: QueueEventRecord[] }
  | { kind: 'requested' }
  | { kind: 'finished' }
  | { kind: 'missing' };

/** A cancel request on an active job, as its worker reads it. */
export interface CancelRequest {
  id: string;
  token: string;
  reason: string;
}

/**
 * Queue-level flow control stored beside the jobs: limits read by every claim (in any process), cancel
 * requests and deduplication keys. Each method is atomic on its own.
 */
export interface IFlowControlRepository {
  /** null removes the limit. */
  setGlobalConcurrency(queue: string, concurrency: number | null): Promise<void>;
  getGlobalConcurrency(queue: string): Promise<number | null>;
  setGlobalRateLimit(queue: string, limit: RateLimit | null): Promise<void>;
  getGlobalRateLimit(queue: string): Promise<RateLimit | null>;
  /** Claims of the queue stop until `until` (manual `rateLimit(ms)`); 0 lifts it. */
  setRateLimitedUntil(queue: string, until: number): Promise<void>;
  /** Milliseconds until the queue may claim again (manual limit or a full limiter window), 0 when it may now. */
  getRateLimitTtl(queue: string, now: number): Promise<number>;
  /** Without `groupId` the default for every group; with it, that group's override (null removes it). */
  setGroupConcurrency(queue: string, concurrency: number | null, groupId?: string): Promise<void>;
  getGroupConcurrency(queue: string, groupId?: string): Promise<number | null>;

  cancel(queue: string, id: string, reason: string, now: number): Promise<CancelOutcome>;
  /** Cancel requests on the queue's active jobs (the worker matches them against its own tokens). */
  cancelRequests(queue: string): Promise<CancelRequest[]>;

  getDeduplicationJobId(queue: string, dedupId: string, now: number): Promise<string | null>;
  removeDeduplicationKey(queue: string, dedupId: string): Promise<number>;
}

export const FLOW_CONTROL_REPOSITORY = Symbol.for('bullite.IFlowControlRepository');
