import { inject, injectable } from 'inversify';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { EVENT_BUS, type EventBus } from '../ports/event-bus.port.js';
import {
  JOB_SCHEDULER_REPOSITORY,
  type IJobSchedulerRepository,
  type JobTemplate,
  type SchedulerRecord,
  type UpsertOutcome,
} from '../ports/job-scheduler-repository.port.js';
import { validateRepeat, type RepeatSpec } from '../../domain/schedule/repeat-schedule.js';
import { serializeJson } from './json-value.js';
import { QueueSchedulerService } from './queue-scheduler.service.js';

/**
 * Job schedulers (BullMQ's upsertJobScheduler family). A scheduler always has exactly one pending job,
 * `repeat:<id>:<slot>`; the store creates the next one in the transaction that claims the current one,
 * so a failing or crashing iteration never stops the schedule. Missed slots after downtime are skipped.
 */
@injectable()
export class JobSchedulerService {
  constructor(
    @inject(JOB_SCHEDULER_REPOSITORY) private readonly schedulers: IJobSchedulerRepository,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(EVENT_BUS) private readonly events: EventBus,
    @inject(QueueSchedulerService) private readonly scheduler: QueueSchedulerService,
  ) {}

  /**
   * Creates or replaces scheduler `id`. Idempotent: the same definition again keeps its pending job (an
   * app may upsert on every start); a changed one replaces the pending job. The iteration count is kept,
   * so a `limit` is not reset by re-upserting.
   */
  async upsert(queue: string, id: string, repeat: RepeatSpec, template: JobTemplate): Promise<UpsertOutcome> {
    const now = this.clock.now();
    validateRepeat(repeat, now);
    // Stored as JSON once, so what runs later is exactly what was validated now.
    const data = JSON.parse(serializeJson(template.data ?? {}, 'template.data')) as unknown;
    const outcome = await this.schedulers.upsert(queue, id, repeat, { ...template, data }, now);
    if (outcome.replaced !== null) this.events.publish({ queue, event: 'removed', args: { jobId: outcome.replaced, prev: 'delayed' } });
    const { job } = outcome;
    if (outcome.created && job !== null) this.scheduler.announceIteration(queue, job.id, job.name, job.runAt ?? now);
    return outcome;
  }

  get(queue: string, id: string): Promise<SchedulerRecord | null> {
    return this.schedulers.get(queue, id);
  }

  list(queue: string, start: number, end: number, asc: boolean): Promise<SchedulerRecord[]> {
    return this.schedulers.list(queue, start, end, asc);
  }

  count(queue: string): Promise<number> {
    return this.schedulers.count(queue);
  }

  remove(queue: string, id: string): Promise<boolean> {
    return this.schedulers.remove(queue, id);
  }
}
