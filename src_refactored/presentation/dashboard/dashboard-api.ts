import type { JobRecord } from '../../core/application/ports/job-record.js';
import { JOB_STATES } from '../../core/domain/job/job-state.js';
import { BulliteError, ValidationError } from '../../shared/bullite-error.js';
import type { QueueEngine } from '../composition/queue-engine.js';
import { Queue } from '../api/queue.js';
import { parseSearchJobs } from '../validation/search-jobs.schema.js';

/** Minutes of completed-job counts behind each queue's sparkline. */
const SPARKLINE_MINUTES = 60;
const CLEAN_BATCH = 1000;

/** An API answer: status and JSON body. Errors carry a message the page shows as it is. */
export interface ApiResult {
  status: number;
  body: unknown;
}

const ok = (body: unknown): ApiResult => ({ status: 200, body });
const fail = (status: number, message: string): ApiResult => ({ status, body: { error: message } });

function summary(r: JobRecord) {
  return {
    id: r.id,
    name: r.name,
    state: r.state,
    timestamp: r.timestamp,
    processedOn: r.processedOn,
    finishedOn: r.finishedOn,
    attemptsMade: r.attemptsMade,
    progress: r.progress,
    failedReason: r.failedReason,
    delay: r.delay,
  };
}

/** `user.id=42` lines of the page's data filter: JSON values when they parse, strings otherwise. */
function dataQuery(text: string | null): Record<string, unknown> | undefined {
  if (!text) return undefined;
  const query: Record<string, unknown> = {};
  for (const part of text.split(/[\n&]/).map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf('=');
    if (at <= 0) throw new ValidationError('data', `data filter "${part}" must look like path=value, e.g. user.id=42`);
    const raw = part.slice(at + 1).trim();
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a bare word is a string
    }
    query[part.slice(0, at).trim()] = value;
  }
  return query;
}

/** The dashboard's JSON API over one engine: reads through the insights service, actions through Queue. */
export class DashboardApi {
  constructor(private readonly engine: QueueEngine) {}

  async queues(): Promise<ApiResult> {
    const names = await this.engine.insights.listQueues();
    const queues = await Promise.all(
      names.map(async (name) => {
        const snapshot = await this.engine.insights.snapshot(name);
        return {
          name,
          paused: await this.engine.queues.isPaused(name),
          counts: await this.engine.queues.getJobCounts(name, JOB_STATES),
          throughput: await this.engine.insights.throughput(name, SPARKLINE_MINUTES),
          completedTotal: snapshot.completedTotal,
          failedTotal: snapshot.failedTotal,
        };
      }),
    );
    return ok({ path: this.engine.path, queues });
  }

  async jobs(params: URLSearchParams): Promise<ApiResult> {
    const queue = params.get('queue');
    if (!queue) return fail(400, 'queue is required');
    const state = params.get('state');
    const input = parseSearchJobs({
      states: state ? [state] : undefined,
      name: params.get('name') || undefined,
      dataQuery: dataQuery(params.get('data')),
      cursor: params.get('cursor') || undefined,
      limit: Number(params.get('limit') ?? 20),
      counts: false,
    });
    const page = await this.engine.insights.searchJobs(queue, input);
    return ok({ jobs: page.jobs.map(summary), nextCursor: page.nextCursor });
  }

  async job(params: URLSearchParams): Promise<ApiResult> {
    const queue = params.get('queue') ?? '';
    const id = params.get('id') ?? '';
    const record = await this.engine.queues.getJob(queue, id);
    if (record === null) return fail(404, `No job ${id} in queue ${queue} (removed, or cleaned by retention).`);
    const { logs } = await this.engine.queues.getJobLogs(queue, id, 0, -1, true);
    const events = await this.engine.eventStream.forJob(queue, id);
    const timeline = events.map((e) => ({ id: e.id, event: e.event, timestamp: e.timestamp, args: e.args }));
    const { lockToken: _lock, ...job } = record;
    return ok({ job, logs, timeline });
  }

  /** POST actions: retry, remove, promote, cancel, pause, resume, clean. */
  async action(body: Record<string, unknown>): Promise<ApiResult> {
    const name = typeof body.queue === 'string' ? body.queue : '';
    const id = typeof body.id === 'string' ? body.id : '';
    if (!name) return fail(400, 'queue is required');
    const queue = new Queue(name, { connection: this.engine });
    try {
      switch (body.action) {
        case 'retry': {
          const state = await queue.getJobState(id);
          if (state !== 'failed' && state !== 'completed') return fail(409, `Job ${id} is ${state}: only failed or completed jobs can be retried.`);
          await this.engine.queues.retryJob(name, id, state, false);
          return ok({ done: true });
        }
        case 'remove':
          return (await queue.remove(id)) === 1 ? ok({ done: true }) : fail(404, `No job ${id} in queue ${name}.`);
        case 'promote':
          await this.engine.queues.promote(name, id);
          return ok({ done: true });
        case 'cancel': {
          // cancelJob arrives with its own change; until then the button says why it does nothing.
          const cancel = (queue as unknown as { cancelJob?: (id: string, reason?: string) => Promise<unknown> }).cancelJob;
          if (typeof cancel !== 'function') return fail(501, 'Cancelling jobs is not available in this build of bullite.');
          return ok({ done: true, result: await cancel.call(queue, id, 'Cancelled from the dashboard') });
        }
        case 'pause':
        case 'resume':
          await (body.action === 'pause' ? queue.pause() : queue.resume());
          return ok({ done: true });
        case 'clean': {
          const state = typeof body.state === 'string' ? body.state : 'completed';
          const grace = Number(body.grace ?? 0);
          let removed = 0;
          for (let n = CLEAN_BATCH; n === CLEAN_BATCH; removed += n) n = (await queue.clean(grace, CLEAN_BATCH, state)).length;
          return ok({ done: true, removed });
        }
        default:
          return fail(400, `Unknown action ${String(body.action)}.`);
      }
    } catch (error) {
      if (error instanceof BulliteError) return fail(error instanceof ValidationError ? 400 : 409, error.message);
      throw error;
    } finally {
      await queue.close();
    }
  }
}
