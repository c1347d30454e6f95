import type { JobRecord } from '../../core/application/ports/job-record.js';
import type { SchedulerRecord } from '../../core/application/ports/job-scheduler-repository.port.js';
import type { JobsOptions } from '../../core/domain/job/job-options.js';
import type { RepeatSpec } from '../../core/domain/schedule/repeat-schedule.js';
import type { QueueEngine } from '../composition/queue-engine.js';
import { jobTemplateSchema, schedulerIdSchema } from '../validation/job-scheduler.schema.js';
import { parseInput } from '../validation/parse-input.js';
import { repeatOptionsSchema } from '../validation/repeat-options.schema.js';

/** BullMQ's JobSchedulerJson, as `getJobScheduler(s)` return it. */
export interface JobSchedulerJson<DataType = unknown> {
  key: string;
  id: string;
  name: string;
  iterationCount: number;
  limit?: number;
  startDate?: number;
  endDate?: number;
  tz?: string;
  pattern?: string;
  every?: number;
  offset?: number;
  immediately?: boolean;
  /** Slot of the pending job; absent once the schedule has ended (limit or endDate reached). */
  next?: number;
  template: { data: DataType; opts: JobsOptions };
}

export function toSchedulerJson<D>(record: SchedulerRecord): JobSchedulerJson<D> {
  const json: JobSchedulerJson<D> = {
    key: record.id,
    id: record.id,
    name: record.template.name,
    iterationCount: record.iterationCount,
    ...record.repeat,
    template: { data: record.template.data as D, opts: record.template.opts },
  };
  if (record.nextRun !== null) json.next = record.nextRun;
  return json;
}

/** Options a scheduler sets on its own jobs: never taken from the queue's defaults or a template. */
function templateOptions(opts: JobsOptions & { repeat?: unknown }): JobsOptions {
  const { jobId: _jobId, delay: _delay, repeat: _repeat, deduplication: _dedup, ...rest } = opts;
  return rest;
}

/** The job-scheduler methods of one Queue (validation at the edge, then JobSchedulerService). */
export class QueueJobSchedulers {
  constructor(
    private readonly engine: QueueEngine,
    private readonly queue: string,
    private readonly defaults: JobsOptions,
  ) {}

  async upsert(id: unknown, repeat: unknown, template: unknown): Promise<JobRecord | null> {
    const schedulerId = parseInput(schedulerIdSchema, id, 'jobSchedulerId');
    const { key: _key, ...spec } = parseInput(repeatOptionsSchema, repeat ?? {}, 'repeat');
    const parsed = parseInput(jobTemplateSchema, template ?? {}, 'template');
    const opts = templateOptions({ ...this.defaults, ...(parsed.opts as JobsOptions | undefined) });
    const job = { name: parsed.name ?? schedulerId, data: parsed.data ?? {}, opts };
    return (await this.engine.schedulers.upsert(this.queue, schedulerId, spec as RepeatSpec, job)).job;
  }

  /**
   * BullMQ v5's `queue.add(name, data, { repeat })`: upserts a scheduler named by `repeat.key`, else by
   * `jobId`, else by the job name and rule, and returns its pending job.
   */
  async addRepeatable(name: string, data: unknown, opts: JobsOptions & { repeat: { key?: string } & RepeatSpec }): Promise<JobRecord | null> {
    const { key, ...spec } = opts.repeat;
    const rule = spec.pattern ?? `every:${spec.every}`;
    const id = key ?? opts.jobId ?? `${name}:${rule}${spec.tz === undefined ? '' : `:${spec.tz}`}`;
    const job = { name, data: data ?? {}, opts: templateOptions(opts) };
    return (await this.engine.schedulers.upsert(this.queue, id, spec, job)).job;
  }

  async get<D>(id: string): Promise<JobSchedulerJson<D> | undefined> {
    const record = await this.engine.schedulers.get(this.queue, parseInput(schedulerIdSchema, id, 'jobSchedulerId'));
    return record === null ? undefined : toSchedulerJson<D>(record);
  }

  async list<D>(start: number, end: number, asc: boolean): Promise<JobSchedulerJson<D>[]> {
    return (await this.engine.schedulers.list(this.queue, start, end, asc)).map((r) => toSchedulerJson<D>(r));
  }

  count(): Promise<number> {
    return this.engine.schedulers.count(this.queue);
  }

  remove(id: string): Promise<boolean> {
    return this.engine.schedulers.remove(this.queue, parseInput(schedulerIdSchema, id, 'jobSchedulerId'));
  }
}
