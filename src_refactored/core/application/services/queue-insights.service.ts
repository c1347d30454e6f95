import { inject, injectable } from 'inversify';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { JOB_REPOSITORY, type IJobRepository } from '../ports/job-repository.port.js';
import type { JobRecord } from '../ports/job-record.js';
import { JOB_SEARCH_REPOSITORY, type DataCondition, type IJobSearchRepository } from '../ports/job-search.port.js';
import { METRICS_REPOSITORY, type IMetricsRepository, type QueueMetricsSnapshot } from '../ports/metrics-repository.port.js';
import { QUEUE_REPOSITORY, type IQueueRepository } from '../ports/queue-repository.port.js';
import { JOB_STATES, type JobState } from '../../domain/job/job-state.js';
import { decodeCursor, encodeCursor } from './search-cursor.js';
import { WORK_SIGNAL, type WorkSignal } from './work-signal.js';

/** With a data condition, counting stops at this many matches per state (each needs its JSON parsed). */
export const DATA_COUNT_CAP = 10_000;

export interface SearchJobsInput {
  states: readonly JobState[];
  name?: string;
  data: readonly DataCondition[];
  from?: number;
  to?: number;
  cursor?: string;
  limit: number;
  order: 'asc' | 'desc';
  counts: boolean;
}

export interface SearchJobsResult {
  jobs: JobRecord[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** Matching jobs per requested state (without the cursor), when asked for. */
  counts?: Partial<Record<JobState, number>>;
  /** false when a data condition made counting stop at DATA_COUNT_CAP for some state. */
  countsExact: boolean;
}

export interface MetricsResult {
  meta: { count: number; prevTS: number; prevCount: number };
  /** Jobs per minute, newest minute first (index 0 is the current minute). */
  data: number[];
  /** Minutes stored (the length of the full series). */
  count: number;
}

/** What the UIs read: job lists, metrics, queue listings, and batched maintenance for the CLI. */
@injectable()
export class QueueInsightsService {
  constructor(
    @inject(JOB_SEARCH_REPOSITORY) private readonly search: IJobSearchRepository,
    @inject(METRICS_REPOSITORY) private readonly metrics: IMetricsRepository,
    @inject(QUEUE_REPOSITORY) private readonly queues: IQueueRepository,
    @inject(JOB_REPOSITORY) private readonly jobs: IJobRepository,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(WORK_SIGNAL) private readonly signal: WorkSignal,
  ) {}

  listQueues(): Promise<string[]> {
    return this.queues.listQueues();
  }

  async searchJobs(queue: string, input: SearchJobsInput): Promise<SearchJobsResult> {
    const states = input.states.length > 0 ? input.states : JOB_STATES;
    const filter = { queue, states, name: input.name, data: input.data, from: input.from, to: input.to };
    const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor, input.order);
    const page = await this.search.search({ ...filter, order: input.order, after, limit: input.limit });
    const nextCursor = page.next === null ? null : encodeCursor(input.order, page.next);
    if (!input.counts) return { jobs: page.jobs, nextCursor, countsExact: true };
    const cap = input.data.length > 0 ? DATA_COUNT_CAP : undefined;
    const counts = await this.search.count(filter, cap);
    const countsExact = cap === undefined || Object.values(counts).every((n) => n < cap);
    return { jobs: page.jobs, nextCursor, counts, countsExact };
  }

  /** BullMQ's getMetrics: per-minute counts from now backwards, `start`/`end` index that series. */
  async getMetrics(queue: string, kind: 'completed' | 'failed', start: number, end: number): Promise<MetricsResult> {
    const nowMinute = Math.floor(this.clock.now() / 60_000);
    const oldest = (await this.metrics.oldestMinute(queue, kind)) ?? nowMinute;
    const count = Math.max(1, nowMinute - Math.min(oldest, nowMinute) + 1);
    const last = end < 0 ? count - 1 : Math.min(end, count - 1);
    const first = Math.max(0, start);
    const perMinute = await this.metrics.perMinute(queue, kind, nowMinute - last, nowMinute - first);
    const data: number[] = [];
    for (let i = first; i <= last; i++) data.push(perMinute.get(nowMinute - i) ?? 0);
    const snapshot = await this.metrics.snapshot(queue);
    const total = kind === 'completed' ? snapshot.completedTotal : snapshot.failedTotal;
    return { meta: { count: total, prevTS: nowMinute * 60_000, prevCount: total }, data, count };
  }

  /** Completed jobs in each of the last `minutes` minutes, oldest first (for sparklines). */
  async throughput(queue: string, minutes: number): Promise<number[]> {
    const nowMinute = Math.floor(this.clock.now() / 60_000);
    const perMinute = await this.metrics.perMinute(queue, 'completed', nowMinute - minutes + 1, nowMinute);
    return Array.from({ length: minutes }, (_, i) => perMinute.get(nowMinute - minutes + 1 + i) ?? 0);
  }

  snapshot(queue: string): Promise<QueueMetricsSnapshot> {
    return this.metrics.snapshot(queue);
  }

  /** One bounded step of a long retry (the CLI shows progress between steps); returns jobs moved. */
  async retryBatch(queue: string, state: 'failed' | 'completed', count: number): Promise<number> {
    const moved = await this.jobs.retryJobs(queue, state, count, this.clock.now());
    if (moved > 0) this.signal.notify(queue);
    return moved;
  }

  /** One bounded step of promoting every delayed job; returns jobs moved. */
  async promoteBatch(queue: string, count: number): Promise<number> {
    const moved = await this.jobs.promoteJobs(queue, count);
    if (moved > 0) this.signal.notify(queue);
    return moved;
  }
}
