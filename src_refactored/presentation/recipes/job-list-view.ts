import type { JobState } from '../../core/domain/job/job-state.js';
import type { QueueEngine } from '../composition/queue-engine.js';
import { QueueEvents } from '../api/queue-events.js';
import { parseSearchJobs, type SearchJobsOptions } from '../validation/search-jobs.schema.js';
import { BulliteError } from '../../shared/bullite-error.js';

/** A closed view answers no more calls: its events are gone, so a snapshot could no longer stay live. */
export class JobListViewClosedError extends BulliteError {
  constructor() {
    super('ERR_VIEW_CLOSED', 'The job list view is closed');
  }
}

/**
 * Recipe for local UI job lists: a framework-free view model over `searchJobs` (paged, filtered) that
 * stays live by listening to the queue's durable events. A UI (React, Svelte, an Electron renderer over
 * IPC) subscribes and renders each snapshot; snapshots are plain JSON, safe to post across a boundary.
 */

export interface JobListRow {
  id: string;
  name: string;
  state: string;
  progress: number | object;
  attemptsMade: number;
  failedReason: string | null;
  timestamp: number;
  processedOn: number | null;
  finishedOn: number | null;
}

export interface JobListSnapshot {
  queue: string;
  rows: JobListRow[];
  /** Matching jobs per state (for tab badges). */
  counts: Partial<Record<JobState, number>>;
  page: number;
  hasNext: boolean;
  hasPrevious: boolean;
  filter: JobListFilter;
  /** Bumped on every refresh, so a renderer can drop stale snapshots. */
  version: number;
}

export type JobListFilter = Pick<SearchJobsOptions, 'states' | 'name' | 'dataQuery' | 'from' | 'to' | 'order'>;

export interface JobListView {
  subscribe(listener: (snapshot: JobListSnapshot) => void): () => void;
  current(): JobListSnapshot | undefined;
  refresh(): Promise<JobListSnapshot>;
  nextPage(): Promise<JobListSnapshot>;
  previousPage(): Promise<JobListSnapshot>;
  /** Replaces the filter and goes back to the first page. */
  setFilter(filter: JobListFilter): Promise<JobListSnapshot>;
  close(): Promise<void>;
}

export function createJobListView(engine: QueueEngine, queueName: string, options: { filter?: JobListFilter; pageSize?: number } = {}): JobListView {
  const events = new QueueEvents(queueName, { connection: engine });
  const listeners = new Set<(snapshot: JobListSnapshot) => void>();
  const pageSize = options.pageSize ?? 50;
  let filter: JobListFilter = options.filter ?? {};
  // Cursors of the pages before the current one: paging back needs no offset scan.
  let cursors: (string | undefined)[] = [undefined];
  let snapshot: JobListSnapshot | undefined;
  let nextCursor: string | null = null;
  let version = 0;
  let pending: Promise<JobListSnapshot> | undefined;
  let again = false;
  let closed = false;

  async function load(): Promise<JobListSnapshot> {
    const page = cursors.length - 1;
    // The records (not Job handles) carry each job's state, which a list shows.
    const result = await engine.insights.searchJobs(queueName, parseSearchJobs({ ...filter, cursor: cursors[page], limit: pageSize }));
    const built: JobListSnapshot = {
      queue: queueName,
      rows: result.jobs.map((job) => ({
        id: job.id,
        name: job.name,
        state: job.state,
        progress: job.progress,
        attemptsMade: job.attemptsMade,
        failedReason: job.failedReason,
        timestamp: job.timestamp,
        processedOn: job.processedOn,
        finishedOn: job.finishedOn,
      })),
      counts: result.counts ?? {},
      page,
      hasNext: result.nextCursor !== null,
      hasPrevious: page > 0,
      filter,
      version: ++version,
    };
    snapshot = built;
    nextCursor = result.nextCursor;
    for (const listener of listeners) listener(built);
    return built;
  }

  /** Coalesces a burst of events into one query (at most one in flight, one queued behind it). */
  function refresh(): Promise<JobListSnapshot> {
    if (closed) return Promise.reject(new JobListViewClosedError());
    if (pending !== undefined) {
      again = true;
      return pending;
    }
    pending = load().finally(() => {
      pending = undefined;
      if (again) {
        again = false;
        // Nobody awaits this follow-up: its failure must not become an unhandled rejection.
        if (!closed) void refresh().catch(() => undefined);
      }
    });
    return pending;
  }

  const onEvent = () => {
    if (!closed) void refresh().catch(() => undefined);
  };
  for (const name of ['added', 'waiting', 'active', 'progress', 'completed', 'failed', 'removed', 'delayed', 'stalled', 'cleaned', 'drained']) {
    events.on(name, onEvent);
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (snapshot !== undefined) listener(snapshot);
      else void refresh().catch(() => undefined);
      return () => listeners.delete(listener);
    },
    current: () => snapshot,
    refresh,
    async nextPage() {
      if (nextCursor !== null) cursors = [...cursors, nextCursor];
      return refresh();
    },
    async previousPage() {
      if (cursors.length > 1) cursors = cursors.slice(0, -1);
      return refresh();
    },
    async setFilter(next) {
      filter = next;
      cursors = [undefined];
      return refresh();
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      // Wait out the query in flight and the one queued behind it: the engine may be closed next
      // (on PostgreSQL a query on a closed pool rejects).
      while (pending !== undefined) await pending.catch(() => undefined);
      await events.close();
    },
  };
}
