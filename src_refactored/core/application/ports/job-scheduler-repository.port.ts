import type { JobsOptions } from '../../domain/job/job-options.js';
import type { RepeatSpec } from '../../domain/schedule/repeat-schedule.js';
import type { JobRecord, NewJob } from './job-record.js';

/** What every job of a scheduler is made from (BullMQ's job template). */
export interface JobTemplate {
  name: string;
  data: unknown;
  opts: JobsOptions;
}

/** A stored job scheduler. `nextRun` is the slot of its one pending job, null once the schedule ended. */
export interface SchedulerRecord {
  queue: string;
  id: string;
  repeat: RepeatSpec;
  template: JobTemplate;
  /** Jobs made so far (compared with `repeat.limit`); kept across re-upserts. */
  iterationCount: number;
  nextRun: number | null;
  createdAt: number;
}

/** One job to create for a scheduler, at `slot`. */
export interface PlannedIteration {
  slot: number;
  job: NewJob;
}

/**
 * The scheduling decisions, as pure functions the store calls inside its transactions: the first job of
 * a new definition, and the next job when the pending one starts. Injected at composition so the
 * adapter holds no schedule maths.
 */
export interface IterationPlanner {
  first(scheduler: SchedulerRecord, now: number): PlannedIteration | null;
  next(scheduler: SchedulerRecord, startedSlot: number, now: number): PlannedIteration | null;
}

export interface UpsertOutcome {
  scheduler: SchedulerRecord;
  /** The pending job after the upsert (null when the schedule has nothing left to run). */
  job: JobRecord | null;
  /** true when a job was created; false when an identical definition kept its pending job. */
  created: boolean;
  /** Id of a pending job that the new definition replaced. */
  replaced: string | null;
}

/**
 * Job schedulers. Each method is one atomic transaction; `upsert` takes the write lock before reading,
 * so concurrent upserts of one id (also from other processes) leave one scheduler and one pending job.
 * The store also creates the next iteration in the same transaction that claims a scheduler's job
 * (see IJobRepository.claim), using the IterationPlanner.
 */
export interface IJobSchedulerRepository {
  upsert(queue: string, id: string, repeat: RepeatSpec, template: JobTemplate, now: number): Promise<UpsertOutcome>;
  get(queue: string, id: string): Promise<SchedulerRecord | null>;
  /** Ordered by next run (ended schedulers last); `end` inclusive, -1 for all. */
  list(queue: string, start: number, end: number, asc: boolean): Promise<SchedulerRecord[]>;
  count(queue: string): Promise<number>;
  /** Removes the scheduler and its pending job (a running iteration finishes). */
  remove(queue: string, id: string): Promise<boolean>;
  /** Schedulers whose pending job was removed (drain, remove) get one for their next slot; returns those jobs. */
  repairOrphans(now: number): Promise<JobRecord[]>;
}

export const JOB_SCHEDULER_REPOSITORY = Symbol.for('bullite.IJobSchedulerRepository');
