import { inject, injectable } from 'inversify';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { EVENT_BUS, type EventBus } from '../ports/event-bus.port.js';
import { JOB_REPOSITORY, type IJobRepository } from '../ports/job-repository.port.js';
import { QUEUE_REPOSITORY, type IQueueRepository } from '../ports/queue-repository.port.js';
import type { InsertResult, JobRecord, NewJob } from '../ports/job-record.js';
import type { JobsOptions } from '../../domain/job/job-options.js';
import type { JobState, JobStateOrUnknown } from '../../domain/job/job-state.js';
import { JobLockedError, JobNotFoundError, JobStateError } from '../../domain/job/job-errors.js';
import { assertLinkOptions } from '../../domain/job/dependency-policy.js';
import { ValidationError, BulliteError } from '../../../shared/bullite-error.js';
import { serializeJson } from './json-value.js';
import { buildNewJob } from './new-job.js';
import { WORK_SIGNAL, type WorkSignal } from './work-signal.js';
import { QueueSchedulerService } from './queue-scheduler.service.js';

export interface AddJobInput {
  name: string;
  data: unknown;
  /** Validated options with the queue's defaults already merged in. */
  opts: JobsOptions;
}

/** The queue side of the engine: adding, reading and managing jobs (behind the public `Queue`). */
@injectable()
export class JobQueueService {
  constructor(
    @inject(JOB_REPOSITORY) private readonly jobs: IJobRepository,
    @inject(QUEUE_REPOSITORY) private readonly queues: IQueueRepository,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(EVENT_BUS) private readonly events: EventBus,
    @inject(WORK_SIGNAL) private readonly signal: WorkSignal,
    @inject(QueueSchedulerService) private readonly scheduler: QueueSchedulerService,
  ) {}

  async add(queue: string, input: AddJobInput): Promise<JobRecord> {
    const [record] = await this.addBulk(queue, [input], true);
    return record;
  }

  /** One transaction: either every job is stored or none (a bad entry fails the batch before any write). */
  async addBulk(queue: string, inputs: readonly AddJobInput[], single = false): Promise<JobRecord[]> {
    // Errors name `jobs[i].data` for addBulk (even a batch of one) and `data` for add.
    const newJobs = inputs.map((input, index) => this.toNewJob(queue, input, single ? '' : `jobs[${index}].`));
    const results = await this.jobs.insert(newJobs, this.clock.now());
    this.announce(results);
    return results.map((r) => r.record);
  }

  /** Events and wake-ups for newly inserted jobs (of any queues: flows span several). */
  announce(results: readonly InsertResult[]): void {
    let earliestDue: number | null = null;
    const queues = new Set<string>();
    for (const { record, duplicated, deduplicatedJobId } of results) {
      const queue = record.queue;
      queues.add(queue);
      if (deduplicatedJobId !== undefined) {
        // The key that matched is the existing job's own deduplication id.
        const deduplicationId = record.opts.deduplication?.id;
        this.publish(queue, 'deduplicated', record.id, { deduplicationId, deduplicatedJobId });
        continue;
      }
      if (duplicated) {
        this.publish(queue, 'duplicated', record.id, {});
        continue;
      }
      this.publish(queue, 'added', record.id, { name: record.name });
      if (record.state === 'delayed') {
        this.publish(queue, 'delayed', record.id, { delay: record.runAt });
        if (earliestDue === null || record.runAt! < earliestDue) earliestDue = record.runAt;
      } else {
        this.publish(queue, record.state === 'waiting-children' ? 'waiting-children' : 'waiting', record.id, {});
      }
    }
    if (earliestDue !== null) this.scheduler.noteDueAt(earliestDue);
    for (const queue of queues) this.signal.notify(queue);
  }

  /** Validated input → what the store inserts (also used for the jobs of a flow). */
  toNewJob(queue: string, input: AddJobInput, prefix: string): NewJob {
    const { opts } = input;
    assertLinkOptions(queue, opts, prefix);
    const dataJson = serializeJson(input.data, `${prefix}data`);
    if (opts.sizeLimit !== undefined && Buffer.byteLength(dataJson) > opts.sizeLimit) {
      throw new ValidationError(`${prefix}data`, `The size of job ${input.name} exceeds the limit ${opts.sizeLimit} bytes`);
    }
    return buildNewJob(queue, input.name, dataJson, opts);
  }

  getJob(queue: string, id: string): Promise<JobRecord | null> {
    return this.jobs.findById(queue, id);
  }

  getState(queue: string, id: string): Promise<JobStateOrUnknown> {
    return this.jobs.getState(queue, id);
  }

  getJobs(queue: string, states: readonly JobState[], start: number, end: number, asc: boolean): Promise<JobRecord[]> {
    return this.jobs.list(queue, states, start, end, asc);
  }

  getJobCounts(queue: string, states: readonly JobState[]): Promise<Record<JobState, number>> {
    return this.jobs.countByStates(queue, states);
  }

  getJobLogs(queue: string, id: string, start: number, end: number, asc: boolean) {
    return this.jobs.getLogs(queue, id, start, end, asc);
  }

  async updateProgress(queue: string, id: string, progress: number | object, token?: string): Promise<void> {
    const ok = await this.jobs.updateProgress(queue, id, serializeJson(progress, 'progress'), token);
    if (!ok) throw new JobNotFoundError(id, 'updateProgress');
    this.publish(queue, 'progress', id, { data: progress });
  }

  async updateData(queue: string, id: string, data: unknown, token?: string): Promise<void> {
    const ok = await this.jobs.updateData(queue, id, serializeJson(data, 'data'), token);
    if (!ok) throw new JobNotFoundError(id, 'updateData');
  }

  async addLog(queue: string, id: string, message: string, keepLogs?: number, token?: string): Promise<number> {
    const count = await this.jobs.addLog(queue, id, message, keepLogs, token);
    if (count === null) throw new JobNotFoundError(id, 'addLog');
    return count;
  }

  async pause(queue: string): Promise<void> {
    await this.queues.setPaused(queue, true);
    this.publish(queue, 'paused', undefined, {});
  }

  async resume(queue: string): Promise<void> {
    await this.queues.setPaused(queue, false);
    this.publish(queue, 'resumed', undefined, {});
    this.signal.notify(queue);
  }

  isPaused(queue: string): Promise<boolean> {
    return this.queues.isPaused(queue);
  }

  async remove(queue: string, id: string): Promise<boolean> {
    const outcome = await this.jobs.remove(queue, id, this.clock.now());
    if (outcome === 'locked') throw new JobLockedError(id);
    if (outcome === 'removed') this.publish(queue, 'removed', id, {});
    return outcome === 'removed';
  }

  drain(queue: string, includeDelayed: boolean): Promise<number> {
    return this.jobs.drain(queue, includeDelayed);
  }

  async clean(queue: string, graceMs: number, limit: number, state: JobState): Promise<string[]> {
    const ids = await this.jobs.clean(queue, graceMs, limit, state, this.clock.now());
    this.publish(queue, 'cleaned', undefined, { count: ids.length });
    return ids;
  }

  async obliterate(queue: string, force: boolean): Promise<void> {
    const outcome = await this.jobs.obliterate(queue, force);
    // BullMQ's wording.
    if (outcome === 'active') throw new BulliteError('ERR_QUEUE_ACTIVE', 'Cannot obliterate queue with active jobs');
  }

  /** Retries finished jobs in batches of `count` until none is left (as BullMQ's retryJobs). */
  async retryJobs(queue: string, state: 'failed' | 'completed', count: number, timestamp?: number): Promise<void> {
    const until = timestamp ?? this.clock.now();
    await this.inBatches(queue, count, () => this.jobs.retryJobs(queue, state, count, until));
  }

  async retryJob(queue: string, id: string, state: 'failed' | 'completed', resetAttemptsMade: boolean): Promise<void> {
    if (!(await this.jobs.retryJob(queue, id, state, resetAttemptsMade))) {
      const current = await this.jobs.getState(queue, id);
      if (current === 'unknown') throw new JobNotFoundError(id, 'reprocessJob');
      throw new JobStateError(id, current, 'retry');
    }
    this.publish(queue, 'waiting', id, { prev: state });
    this.signal.notify(queue);
  }

  async promoteJobs(queue: string, count: number): Promise<void> {
    await this.inBatches(queue, count, () => this.jobs.promoteJobs(queue, count));
  }

  /**
   * Repeats a bounded batch until one comes back short: a short batch means nothing matched is left, so
   * the empty confirming batch (one more transaction, several round trips on PostgreSQL) is skipped.
   */
  private async inBatches(queue: string, count: number, batch: () => Promise<number>): Promise<void> {
    let moved: number;
    do {
      moved = await batch();
      if (moved > 0) this.signal.notify(queue);
    } while (moved >= count);
  }

  async promote(queue: string, id: string): Promise<void> {
    if (!(await this.jobs.promote(queue, id))) {
      const current = await this.jobs.getState(queue, id);
      if (current === 'unknown') throw new JobNotFoundError(id, 'promote');
      // BullMQ's wording.
      throw new BulliteError('ERR_JOB_NOT_DELAYED', `Job ${id} is not in the delayed state. promote`);
    }
    this.publish(queue, 'waiting', id, { prev: 'delayed' });
    this.signal.notify(queue);
  }

  private publish(queue: string, event: string, jobId: string | undefined, args: Record<string, unknown>): void {
    this.events.publish({ queue, event, args: jobId === undefined ? args : { jobId, ...args } });
  }
}
