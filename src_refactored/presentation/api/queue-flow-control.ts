import { EventEmitter } from 'node:events';
import type { QueueEngine } from '../composition/queue-engine.js';
import { parseInput } from '../validation/parse-input.js';
import {
  cancelReasonSchema,
  concurrencySchema,
  deduplicationIdSchema,
  groupIdSchema,
  jobIdArgSchema,
  rateLimitArgsSchema,
  rateLimitMsSchema,
} from '../validation/flow-control.schema.js';

/**
 * The Queue's flow-control methods (docs/flow-control.md): limits shared by every worker and process of
 * the queue, cancellation and deduplication keys. `Queue` extends this class.
 */
export abstract class QueueFlowControl extends EventEmitter {
  abstract readonly name: string;
  /** @internal */
  abstract engineOf(): QueueEngine;

  private get control() {
    return this.engineOf().control;
  }

  /** At most `concurrency` jobs of this queue are active at once, across all workers and processes. */
  async setGlobalConcurrency(concurrency: number): Promise<void> {
    return this.control.setGlobalConcurrency(this.name, parseInput(concurrencySchema, concurrency, 'concurrency'));
  }

  async getGlobalConcurrency(): Promise<number | null> {
    return this.control.getGlobalConcurrency(this.name);
  }

  async removeGlobalConcurrency(): Promise<void> {
    return this.control.setGlobalConcurrency(this.name, null);
  }

  /** At most `max` jobs are started per `duration` ms, across all workers; wins over a worker's `limiter`. */
  async setGlobalRateLimit(max: number, duration: number): Promise<void> {
    return this.control.setGlobalRateLimit(this.name, parseInput(rateLimitArgsSchema, { max, duration }, ''));
  }

  async getGlobalRateLimit(): Promise<{ max: number; duration: number } | null> {
    return this.control.getGlobalRateLimit(this.name);
  }

  async removeGlobalRateLimit(): Promise<void> {
    return this.control.setGlobalRateLimit(this.name, null);
  }

  /** No job of this queue is started for `expireTimeMs` (BullMQ's `queue.rateLimit`). */
  async rateLimit(expireTimeMs: number): Promise<void> {
    return this.control.rateLimit(this.name, parseInput(rateLimitMsSchema, expireTimeMs, 'expireTimeMs'));
  }

  /** Milliseconds until jobs may start again (0: not rate limited). */
  async getRateLimitTtl(): Promise<number> {
    return this.control.getRateLimitTtl(this.name);
  }

  /** Without `groupId`: the limit of every group (`opts.group.id`); with it, that group's override. */
  async setGroupConcurrency(concurrency: number, groupId?: string): Promise<void> {
    const n = parseInput(concurrencySchema, concurrency, 'concurrency');
    return this.control.setGroupConcurrency(this.name, n, parseInput(groupIdSchema, groupId, 'groupId'));
  }

  async getGroupConcurrency(groupId?: string): Promise<number | null> {
    return this.control.getGroupConcurrency(this.name, parseInput(groupIdSchema, groupId, 'groupId'));
  }

  /** Removes the default group limit, or one group's override. */
  async removeGroupConcurrency(groupId?: string): Promise<void> {
    return this.control.setGroupConcurrency(this.name, null, parseInput(groupIdSchema, groupId, 'groupId'));
  }

  /**
   * Cancels a job from any process: a job that is not running fails at once; a running job's processor
   * signal aborts (within one lock-renewal period) and the job fails with CancelledError, never retried.
   * Resolves false when the job had already finished.
   */
  async cancelJob(jobId: string, reason?: string): Promise<boolean> {
    const id = parseInput(jobIdArgSchema, jobId, 'jobId');
    return this.control.cancelJob(this.name, id, parseInput(cancelReasonSchema, reason, 'reason') ?? 'Job cancelled');
  }

  /** The job a live deduplication key points at, or null. */
  async getDeduplicationJobId(deduplicationId: string): Promise<string | null> {
    return this.control.getDeduplicationJobId(this.name, parseInput(deduplicationIdSchema, deduplicationId, 'deduplicationId'));
  }

  /** Releases a deduplication key at once; resolves to the number of keys removed (0 or 1). */
  async removeDeduplicationKey(deduplicationId: string): Promise<number> {
    return this.control.removeDeduplicationKey(this.name, parseInput(deduplicationIdSchema, deduplicationId, 'deduplicationId'));
  }
}
