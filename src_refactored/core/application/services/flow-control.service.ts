import { inject, injectable } from 'inversify';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { EVENT_BUS, type EventBus } from '../ports/event-bus.port.js';
import { FLOW_CONTROL_REPOSITORY, type IFlowControlRepository, type RateLimit } from '../ports/flow-control-repository.port.js';
import { JobNotFoundError } from '../../domain/job/job-errors.js';
import { CANCEL_SIGNAL, WORK_SIGNAL, type WorkSignal } from './work-signal.js';
import { publishEffects } from './store-effects.js';

/**
 * Queue-side flow control (behind `Queue`): concurrency and rate limits stored for every worker and
 * process of the queue, cancellation, and deduplication keys. Raising or removing a limit wakes this
 * engine's idle workers at once; other processes see it at their next idle check.
 */
@injectable()
export class FlowControlService {
  constructor(
    @inject(FLOW_CONTROL_REPOSITORY) private readonly control: IFlowControlRepository,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(EVENT_BUS) private readonly events: EventBus,
    @inject(WORK_SIGNAL) private readonly signal: WorkSignal,
    @inject(CANCEL_SIGNAL) private readonly cancels: WorkSignal,
  ) {}

  async setGlobalConcurrency(queue: string, concurrency: number | null): Promise<void> {
    await this.control.setGlobalConcurrency(queue, concurrency);
    this.signal.notify(queue);
  }

  getGlobalConcurrency(queue: string): Promise<number | null> {
    return this.control.getGlobalConcurrency(queue);
  }

  async setGlobalRateLimit(queue: string, limit: RateLimit | null): Promise<void> {
    await this.control.setGlobalRateLimit(queue, limit);
    this.signal.notify(queue);
  }

  getGlobalRateLimit(queue: string): Promise<RateLimit | null> {
    return this.control.getGlobalRateLimit(queue);
  }

  /** Manual rate limit: no job of the queue is claimed for `ms` (0 lifts a manual limit). */
  async rateLimit(queue: string, ms: number): Promise<void> {
    await this.control.setRateLimitedUntil(queue, ms > 0 ? this.clock.now() + ms : 0);
    if (ms <= 0) this.signal.notify(queue);
  }

  getRateLimitTtl(queue: string): Promise<number> {
    return this.control.getRateLimitTtl(queue, this.clock.now());
  }

  async setGroupConcurrency(queue: string, concurrency: number | null, groupId?: string): Promise<void> {
    await this.control.setGroupConcurrency(queue, concurrency, groupId);
    this.signal.notify(queue);
  }

  getGroupConcurrency(queue: string, groupId?: string): Promise<number | null> {
    return this.control.getGroupConcurrency(queue, groupId);
  }

  /**
   * A job that is not running fails at once (no retry); a running one is flagged, and its worker (in any
   * process) aborts the processor's signal and fails it. false when the job had already finished.
   */
  async cancelJob(queue: string, id: string, reason: string): Promise<boolean> {
    const outcome = await this.control.cancel(queue, id, reason, this.clock.now());
    switch (outcome.kind) {
      case 'missing':
        throw new JobNotFoundError(id, 'cancelJob');
      case 'finished':
        return false;
      case 'requested':
        this.cancels.notify(queue);
        return true;
      case 'failed':
        this.events.publish({ queue, event: 'cancelled', args: { jobId: id, reason } });
        this.events.publish({ queue, event: 'failed', args: { jobId: id, failedReason: reason, prev: outcome.prev } });
        publishEffects(outcome.effects, this.events, this.signal);
        return true;
    }
  }

  getDeduplicationJobId(queue: string, dedupId: string): Promise<string | null> {
    return this.control.getDeduplicationJobId(queue, dedupId, this.clock.now());
  }

  removeDeduplicationKey(queue: string, dedupId: string): Promise<number> {
    return this.control.removeDeduplicationKey(queue, dedupId);
  }
}
