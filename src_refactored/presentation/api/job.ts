import type { JobRecord } from '../../core/application/ports/job-record.js';
import type { JobsOptions } from '../../core/domain/job/job-options.js';
import type { JobStateOrUnknown } from '../../core/domain/job/job-state.js';
import type { QueueEngine } from '../composition/queue-engine.js';
import { BulliteError } from '../../shared/bullite-error.js';
import { LockLostError } from '../../core/domain/job/job-errors.js';
import * as z from 'zod';
import { changePrioritySchema } from '../validation/flow.schema.js';
import { parseInput } from '../validation/parse-input.js';
import type { QueueEvents } from './queue-events.js';
import { countDependencies, failedValues, groupDependencies, type DependencyType, type JobDependencies } from './job-dependencies.js';

const epochMs = z.number().int().min(0);

/** Hooks a Worker gives the jobs it claimed for manual completion (moveToCompleted / moveToFailed). */
export interface ManualSettler {
  settle(job: Job, token: string, outcome: { kind: 'completed'; result: unknown } | { kind: 'failed'; error: Error }): Promise<void>;
}

/**
 * The public job handle (BullMQ's `Job`). It is a snapshot of the stored job plus methods that
 * delegate to the engine's services; the domain entity stays pure.
 */
export class Job<DataType = unknown, ReturnType = unknown, NameType extends string = string> {
  readonly id: string;
  readonly name: NameType;
  readonly queueName: string;
  data: DataType;
  opts: JobsOptions;
  progress: number | object;
  returnvalue: ReturnType | null;
  failedReason: string | undefined;
  stacktrace: string[];
  attemptsMade: number;
  attemptsStarted: number;
  stalledCounter: number;
  timestamp: number;
  processedOn: number | undefined;
  finishedOn: number | undefined;
  delay: number;
  priority: number;
  parent: { id: string; queue: string } | undefined;
  processedBy: string | undefined;
  /** Id of the job scheduler that made this job (BullMQ's repeatJobKey). */
  repeatJobKey: string | undefined;
  /** The lock token of the worker processing this job, when it came from a worker. */
  token: string | undefined;

  /** @internal */
  constructor(
    private readonly engine: QueueEngine,
    record: JobRecord,
    token?: string,
    private readonly settler?: ManualSettler,
  ) {
    this.id = record.id;
    this.name = record.name as NameType;
    this.queueName = record.queue;
    this.data = record.data as DataType;
    this.opts = record.opts;
    this.progress = record.progress;
    this.returnvalue = record.returnvalue as ReturnType | null;
    this.failedReason = record.failedReason ?? undefined;
    this.stacktrace = record.stacktrace;
    this.attemptsMade = record.attemptsMade;
    this.attemptsStarted = record.attemptsStarted;
    this.stalledCounter = record.stalledCounter;
    this.timestamp = record.timestamp;
    this.processedOn = record.processedOn ?? undefined;
    this.finishedOn = record.finishedOn ?? undefined;
    this.delay = record.delay;
    this.priority = record.priority;
    this.parent = record.parent ?? undefined;
    this.processedBy = record.processedBy ?? undefined;
    this.repeatJobKey = record.opts.repeatJobKey;
    this.token = token;
  }

  /** BullMQ's qualified queue key, for `opts.parent: { id: job.id, queue: job.queueQualifiedName }`: bullite has no key prefix. */
  get queueQualifiedName(): string {
    return this.queueName;
  }

  static async fromId<D = unknown, R = unknown>(queue: { engineOf(): QueueEngine; name: string }, id: string): Promise<Job<D, R> | undefined> {
    const engine = queue.engineOf();
    const record = await engine.queues.getJob(queue.name, id);
    return record === null ? undefined : new Job<D, R>(engine, record);
  }

  async updateProgress(progress: number | object): Promise<void> {
    await this.engine.queues.updateProgress(this.queueName, this.id, progress, this.token);
    this.progress = progress;
    this.onProgress?.(progress);
  }

  /**
   * @internal Set by the Worker running this job: its 'progress' event fires as each update is stored, in
   * the processor's order and before 'completed'. (Waiting for the durable event to come back was too late
   * on PostgreSQL, where it is delivered after its own commit: the job had already finished.)
   */
  onProgress?: (progress: number | object) => void;

  /** Appends a log line; returns the number of lines the job now has. */
  log(message: string): Promise<number> {
    return this.engine.queues.addLog(this.queueName, this.id, String(message), this.opts.keepLogs, this.token);
  }

  /** Replaces the job's data (an agent's checkpoint); a retried or recovered attempt sees it. */
  async updateData(data: DataType): Promise<void> {
    await this.engine.queues.updateData(this.queueName, this.id, data, this.token);
    this.data = data;
  }

  getState(): Promise<JobStateOrUnknown> {
    return this.engine.queues.getState(this.queueName, this.id);
  }

  async isCompleted(): Promise<boolean> {
    return (await this.getState()) === 'completed';
  }

  async isFailed(): Promise<boolean> {
    return (await this.getState()) === 'failed';
  }

  async isActive(): Promise<boolean> {
    return (await this.getState()) === 'active';
  }

  async isDelayed(): Promise<boolean> {
    return (await this.getState()) === 'delayed';
  }

  async isWaiting(): Promise<boolean> {
    const state = await this.getState();
    return state === 'waiting' || state === 'prioritized';
  }

  async isWaitingChildren(): Promise<boolean> {
    return (await this.getState()) === 'waiting-children';
  }

  async remove(): Promise<void> {
    await this.engine.queues.remove(this.queueName, this.id);
  }

  /** Moves a finished job back to waiting (BullMQ's `job.retry(state)`). */
  retry(state: 'failed' | 'completed' = 'failed', opts: { resetAttemptsMade?: boolean } = {}): Promise<void> {
    return this.engine.queues.retryJob(this.queueName, this.id, state, opts.resetAttemptsMade ?? false);
  }

  promote(): Promise<void> {
    return this.engine.queues.promote(this.queueName, this.id);
  }

  /** Extends this job's lock; resolves to 0 when the lock is no longer held (as BullMQ). */
  async extendLock(token: string, duration: number): Promise<number> {
    return (await this.engine.workers.extendLock(this.queueName, this.id, token, duration)) ? 1 : 0;
  }

  async moveToCompleted(returnValue: ReturnType, token: string): Promise<void> {
    await this.manual().settle(this, token, { kind: 'completed', result: returnValue });
  }

  async moveToFailed(error: Error, token: string): Promise<void> {
    await this.manual().settle(this, token, { kind: 'failed', error });
  }

  /** Return values of the completed children (and `dependsOn` jobs), keyed `queue:id`; kept after they are removed. */
  async getChildrenValues<T = unknown>(): Promise<Record<string, T>> {
    return (await this.getDependencies()).processed as Record<string, T>;
  }

  async getDependencies(): Promise<JobDependencies> {
    return groupDependencies(await this.engine.flows.dependencies(this.queueName, this.id));
  }

  /** Counts per dependency type; all types unless some are asked for (`{ processed: true }`). */
  async getDependenciesCount(types: Partial<Record<DependencyType, boolean>> = {}): Promise<Partial<Record<DependencyType, number>>> {
    return countDependencies(await this.getDependencies(), types);
  }

  async getFailedChildrenValues(): Promise<Record<string, string>> {
    return failedValues(await this.engine.flows.dependencies(this.queueName, this.id));
  }

  async getIgnoredChildrenFailures(): Promise<Record<string, string>> {
    return (await this.getDependencies()).ignored;
  }

  /** Parks this active job until its children finish; false when none is pending (keep processing). */
  moveToWaitingChildren(token?: string): Promise<boolean> {
    return this.engine.flows.moveToWaitingChildren(this.queueName, this.id, this.lockToken(token, 'moveToWaitingChildren'));
  }

  /** Step jobs: delays this active job until `timestamp` (epoch ms), then throw `DelayedError`. */
  moveToDelayed(timestamp: number, token?: string): Promise<void> {
    const at = parseInput(epochMs, timestamp, 'timestamp');
    return this.engine.steps.moveToDelayed(this.queueName, this.id, this.lockToken(token, 'moveToDelayed'), at);
  }

  /** Step jobs: puts this active job back to waiting, then throw `WaitingError`. Resolves to 0 (no rate limit). */
  async moveToWait(token?: string): Promise<number> {
    await this.engine.steps.moveToWait(this.queueName, this.id, this.lockToken(token, 'moveToWait'));
    return 0;
  }

  /** A delayed job becomes due `delay` ms from now. */
  async changeDelay(delay: number): Promise<void> {
    await this.engine.steps.changeDelay(this.queueName, this.id, parseInput(epochMs, delay, 'delay'));
    this.delay = delay;
  }

  /** New priority; with `lifo` the job goes to the front of that priority instead of the back. */
  async changePriority(opts: { priority?: number; lifo?: boolean }): Promise<void> {
    const parsed = parseInput(changePrioritySchema, opts, 'opts');
    const priority = parsed.priority ?? 0;
    await this.engine.steps.changePriority(this.queueName, this.id, priority, parsed.lifo ?? false);
    this.priority = priority;
  }

  /** Resolves with the return value once the job completes, rejects with its failure reason. */
  waitUntilFinished(queueEvents: QueueEvents, ttl?: number): Promise<ReturnType> {
    return queueEvents.waitForJob<ReturnType>(this.id, ttl);
  }

  toJSON() {
    const { engine: _engine, settler: _settler, ...rest } = this as unknown as Record<string, unknown>;
    return rest;
  }

  private lockToken(token: string | undefined, command: string): string {
    const held = token ?? this.token;
    if (held === undefined) throw new LockLostError(this.id, command);
    return held;
  }

  private manual(): ManualSettler {
    if (this.settler === undefined) {
      throw new BulliteError('ERR_NOT_CLAIMED', `Job ${this.id} was not claimed with worker.getNextJob(); it cannot be moved manually`);
    }
    return this.settler;
  }
}
