import type { JobState } from '../../domain/job/job-state.js';
import type { JobRecord } from './job-record.js';

export type JsonScalar = string | number | boolean | null;

/** One condition on a field inside the job's JSON data; `path` is a JSON path such as `$.user.id`. */
export type DataCondition =
  | { path: string; op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; value: JsonScalar }
  | { path: string; op: 'in'; value: JsonScalar[] }
  | { path: string; op: 'contains'; value: string }
  | { path: string; op: 'exists'; value: boolean };

/** A position in the (timestamp, row) order of a queue's jobs: what a cursor encodes. */
export interface SearchPosition {
  timestamp: number;
  row: number;
}

export interface JobSearchFilter {
  queue: string;
  states: readonly JobState[];
  name?: string;
  data: readonly DataCondition[];
  /** Creation time range (epoch ms), both inclusive. */
  from?: number;
  to?: number;
}

export interface JobSearchQuery extends JobSearchFilter {
  order: 'asc' | 'desc';
  /** Jobs strictly after this position in `order`. */
  after?: SearchPosition;
  limit: number;
}

export interface JobSearchPage {
  jobs: JobRecord[];
  /** Position of the last job returned, when more jobs follow it. */
  next: SearchPosition | null;
}

/**
 * Paged, filtered job lists for UIs, next to IJobRepository (a sibling repository: DESIGN.md §1). Each
 * page is read through an index of (queue, state[, name], timestamp), so its cost depends on the page
 * size, not on how many jobs are stored — except for data conditions, which filter the rows walked.
 */
export interface IJobSearchRepository {
  search(query: JobSearchQuery): Promise<JobSearchPage>;
  /** Matching jobs per state; with `cap`, counting stops at `cap` per state. */
  count(filter: JobSearchFilter, cap?: number): Promise<Record<JobState, number>>;
}

export const JOB_SEARCH_REPOSITORY = Symbol.for('bullite.IJobSearchRepository');
