import * as z from 'zod';
import type { JobsOptions } from '../../core/domain/job/job-options.js';
import { JOB_STATES, type JobState, type JobStateOrUnknown } from '../../core/domain/job/job-state.js';
import { assertQueueName } from '../../core/domain/queue/queue-name.js';
import { assertCustomJobId } from '../../core/domain/job/job-id.js';
import type { AddJobInput } from '../../core/application/services/job-queue.service.js';
import { acquireConnection, type Connection, type Lease } from '../composition/connection-registry.js';
import type { QueueEngine } from '../composition/queue-engine.js';
import { jobNameSchema, jobsOptionsSchema, type JobsOptionsInput } from '../validation/job-options.schema.js';
import { queueOptionsSchema } from '../validation/worker-options.schema.js';
import { parseInput } from '../validation/parse-input.js';
import { ValidationError } from '../../shared/bullite-error.js';
import { parseRange } from '../validation/range.schema.js';
import { Job } from './job.js';
import { QueueFlowControl } from './queue-flow-control.js';
import { parseSearchJobs, type SearchJobsOptions } from '../validation/search-jobs.schema.js';
import type { MetricsResult } from '../../core/application/services/queue-insights.service.js';
import { collectFigures, formatExposition } from '../metrics/prometheus-exposition.js';
import { QueueJobSchedulers, type JobSchedulerJson } from './queue-job-schedulers.js';
import type { RepeatOptionsInput } from '../validation/repeat-options.schema.js';
import type { JobTemplateInput } from '../validation/job-scheduler.schema.js';

export interface QueueOptions {
  connection: Connection;
  defaultJobOptions?: JobsOptionsInput;
  prefix?: string;
}

/** `getJobs` and `getJobCounts` accept BullMQ's v5 alias `paused` (a paused queue's waiting jobs). */
const stateSchema = z.enum([...JOB_STATES, 'paused', 'wait']);
const statesSchema = z.array(stateSchema);
const cleanStateSchema = z.enum(['completed', 'failed', 'delayed', 'wait', 'waiting', 'prioritized', 'paused', 'active']);

function normalizeStates(input: unknown, field: string): JobState[] {
  const list = input === undefined ? [] : parseInput(statesSchema, Array.isArray(input) ? input : [input], field);
  const states = list.map((s) => (s === 'paused' || s === 'wait' ? 'waiting' : s));
  return [...new Set(states)];
}

/** BullMQ's Queue on a bullite engine. */
export class Queue<DataType = unknown, ResultType = unknown, NameType extends string = string> extends QueueFlowControl {
  readonly name: string;
  private readonly lease: Lease;
  private readonly defaults: JobsOptions;
  private readonly schedulers: QueueJobSchedulers;
  private closed = false;

  constructor(name: string, opts: QueueOptions) {
    super();
    this.name = assertQueueName(name);
    const parsed = parseInput(queueOptionsSchema, opts, 'opts');
    this.defaults = (parsed.defaultJobOptions ?? {}) as JobsOptions;
    this.lease = acquireConnection(opts.connection);
    this.schedulers = new QueueJobSchedulers(this.lease.engine, this.name, this.defaults);
  }

  /** @internal */
  engineOf(): QueueEngine {
    return this.lease.engine;
  }

  private get engine(): QueueEngine {
    return this.lease.engine;
  }

  private toInput(name: unknown, data: unknown, opts: unknown, prefix: string): AddJobInput {
    const jobName = parseInput(jobNameSchema, name, `${prefix}name`);
    const parsed = parseInput(jobsOptionsSchema, opts ?? {}, `${prefix}opts`) as JobsOptions;
    if (parsed.jobId !== undefined) assertCustomJobId(parsed.jobId, `${prefix}opts.jobId`);
    return { name: jobName, data, opts: { ...this.defaults, ...parsed } };
  }

  async add(name: NameType, data: DataType, opts?: JobsOptionsInput): Promise<Job<DataType, ResultType, NameType>> {
    const input = this.toInput(name, data, opts, '');
    if ((input.opts as { repeat?: unknown }).repeat !== undefined) {
      const pending = await this.schedulers.addRepeatable(input.name, input.data, input.opts as Parameters<QueueJobSchedulers['addRepeatable']>[2]);
      return (pending === null ? undefined : new Job<DataType, ResultType, NameType>(this.engine, pending)) as Job<DataType, ResultType, NameType>;
    }
    const record = await this.engine.queues.add(this.name, input);
    const job = new Job<DataType, ResultType, NameType>(this.engine, record);
    if (record.state === 'waiting' || record.state === 'prioritized') this.emit('waiting', job);
    return job;
  }

  /** All-or-nothing: one invalid entry rejects the whole batch before anything is stored. */
  async addBulk(jobs: { name: NameType; data: DataType; opts?: JobsOptionsInput }[]): Promise<Job<DataType, ResultType, NameType>[]> {
    if (!Array.isArray(jobs)) throw parseInput(z.array(z.unknown()), jobs, 'jobs');
    const inputs = jobs.map((j, i) => this.toInput(j?.name, j?.data, j?.opts, `jobs[${i}].`));
    const repeating = inputs.findIndex((input) => (input.opts as { repeat?: unknown }).repeat !== undefined);
    if (repeating >= 0) {
      const field = `jobs[${repeating}].opts.repeat`;
      throw new ValidationError(field, `${field}: addBulk does not create job schedulers; use add() or upsertJobScheduler()`);
    }
    const records = await this.engine.queues.addBulk(this.name, inputs);
    return records.map((r) => new Job<DataType, ResultType, NameType>(this.engine, r));
  }

  async getJob(id: string): Promise<Job<DataType, ResultType, NameType> | undefined> {
    const record = await this.engine.queues.getJob(this.name, String(id));
    return record === null ? undefined : new Job<DataType, ResultType, NameType>(this.engine, record);
  }

  getJobState(id: string): Promise<JobStateOrUnknown> {
    return this.engine.queues.getState(this.name, String(id));
  }

  async getJobs(types?: string | string[], start = 0, end = -1, asc = false): Promise<Job<DataType, ResultType, NameType>[]> {
    const range = parseRange(start, end, asc);
    const records = await this.engine.queues.getJobs(this.name, normalizeStates(types, 'types'), range.start, range.end, range.asc);
    return records.map((r) => new Job<DataType, ResultType, NameType>(this.engine, r));
  }

  /** Counts per requested state (all states when none is named). */
  async getJobCounts(...types: string[]): Promise<Record<string, number>> {
    const flat = types.flat();
    const counts = await this.engine.queues.getJobCounts(this.name, normalizeStates(flat, 'types'));
    if (flat.includes('paused') || flat.includes('wait')) {
      const waiting = counts.waiting ?? 0;
      return { ...counts, ...(flat.includes('paused') ? { paused: (await this.isPaused()) ? waiting : 0 } : {}), ...(flat.includes('wait') ? { wait: waiting } : {}) };
    }
    return counts;
  }

  async getJobCountByTypes(...types: string[]): Promise<number> {
    const counts = await this.engine.queues.getJobCounts(this.name, normalizeStates(types.flat(), 'types'));
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  /** Jobs waiting to run: waiting, prioritized and delayed (as BullMQ's `count`). */
  count(): Promise<number> {
    return this.getJobCountByTypes('waiting', 'prioritized', 'delayed');
  }

  getWaiting(start = 0, end = -1) {
    return this.getJobs(['waiting'], start, end, true);
  }

  getActive(start = 0, end = -1) {
    return this.getJobs(['active'], start, end, true);
  }

  getDelayed(start = 0, end = -1) {
    return this.getJobs(['delayed'], start, end, true);
  }

  getCompleted(start = 0, end = -1) {
    return this.getJobs(['completed'], start, end, false);
  }

  getFailed(start = 0, end = -1) {
    return this.getJobs(['failed'], start, end, false);
  }

  getJobLogs(id: string, start = 0, end = -1, asc = true): Promise<{ logs: string[]; count: number }> {
    const range = parseRange(start, end, asc);
    return this.engine.queues.getJobLogs(this.name, String(id), range.start, range.end, range.asc);
  }

  async pause(): Promise<void> {
    await this.engine.queues.pause(this.name);
    this.emit('paused');
  }

  async resume(): Promise<void> {
    await this.engine.queues.resume(this.name);
    this.emit('resumed');
  }

  isPaused(): Promise<boolean> {
    return this.engine.queues.isPaused(this.name);
  }

  /** Removes waiting jobs, and delayed ones with `delayed = true`. Active jobs are left to finish. */
  async drain(delayed = false): Promise<void> {
    await this.engine.queues.drain(this.name, delayed);
  }

  /** Removes up to `limit` jobs of `type` older than `grace` ms; returns their ids. */
  async clean(grace: number, limit: number, type: string = 'completed'): Promise<string[]> {
    const args = parseInput(
      z.tuple([z.number().int().min(0), z.number().int().min(0), cleanStateSchema]),
      [grace, limit, type],
      'clean',
    );
    const state = (args[2] === 'wait' || args[2] === 'paused' ? 'waiting' : args[2]) as JobState;
    const ids = await this.engine.queues.clean(this.name, args[0], args[1], state);
    this.emit('cleaned', ids, type);
    return ids;
  }

  async obliterate(opts: { force?: boolean } = {}): Promise<void> {
    await this.engine.queues.obliterate(this.name, opts.force ?? false);
  }

  async retryJobs(opts: { state?: 'failed' | 'completed'; count?: number; timestamp?: number } = {}): Promise<void> {
    const parsed = parseInput(
      z.strictObject({
        state: z.enum(['failed', 'completed']).optional(),
        count: z.number().int().min(1).optional(),
        timestamp: z.number().int().min(0).optional(),
      }),
      opts,
      'opts',
    );
    await this.engine.queues.retryJobs(this.name, parsed.state ?? 'failed', parsed.count ?? 1000, parsed.timestamp);
  }

  async promoteJobs(opts: { count?: number } = {}): Promise<void> {
    const parsed = parseInput(z.strictObject({ count: z.number().int().min(1).optional() }), opts, 'opts');
    await this.engine.queues.promoteJobs(this.name, parsed.count ?? 1000);
  }

  /** Creates or replaces job scheduler `id`; returns its pending job (undefined when nothing is left to run). */
  async upsertJobScheduler(
    jobSchedulerId: string,
    repeat: RepeatOptionsInput,
    template?: JobTemplateInput,
  ): Promise<Job<DataType, ResultType, NameType> | undefined> {
    const pending = await this.schedulers.upsert(jobSchedulerId, repeat, template);
    return pending === null ? undefined : new Job<DataType, ResultType, NameType>(this.engine, pending);
  }

  getJobScheduler(id: string): Promise<JobSchedulerJson<DataType> | undefined> {
    return this.schedulers.get<DataType>(id);
  }

  /** Schedulers ordered by their next run (ended ones last); `end` inclusive, -1 for all. */
  getJobSchedulers(start = 0, end = -1, asc = false): Promise<JobSchedulerJson<DataType>[]> {
    return this.schedulers.list<DataType>(start, end, asc);
  }

  getJobSchedulersCount(): Promise<number> {
    return this.schedulers.count();
  }

  /** Removes the scheduler and its pending job; returns false when there was none. */
  removeJobScheduler(jobSchedulerId: string): Promise<boolean> {
    return this.schedulers.remove(jobSchedulerId);
  }

  async remove(id: string): Promise<number> {
    return (await this.engine.queues.remove(this.name, String(id))) ? 1 : 0;
  }

  /**
   * Paged, filtered job list for UIs (bullite extra): `{ states, name, dataQuery, from, to, cursor, limit,
   * order }`. Pass `nextCursor` back as `cursor` for the next page; `counts` are per state for the filter.
   */
  async searchJobs(opts: SearchJobsOptions = {}) {
    const result = await this.engine.insights.searchJobs(this.name, parseSearchJobs(opts));
    return { ...result, jobs: result.jobs.map((r) => new Job<DataType, ResultType, NameType>(this.engine, r)) };
  }

  /** BullMQ's getMetrics: jobs completed (or failed) per minute, newest minute first. */
  getMetrics(type: 'completed' | 'failed', start = 0, end = -1): Promise<MetricsResult> {
    const [kind, from, to] = parseInput(
      z.tuple([z.enum(['completed', 'failed']), z.number().int().min(0), z.number().int().min(-1)]),
      [type, start, end],
      'getMetrics',
    );
    return this.engine.insights.getMetrics(this.name, kind, from, to);
  }

  /** Prometheus text exposition of this queue (jobs by state, totals, processing and wait histograms). */
  async exportPrometheusMetrics(globalVariables?: Record<string, string>): Promise<string> {
    const labels = parseInput(z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string()).optional(), globalVariables, 'globalVariables');
    return formatExposition(await collectFigures(this.engine, [this.name]), labels);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lease.release();
  }
}
