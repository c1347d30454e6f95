import { inject, injectable } from 'inversify';
import { CHANGE_FEED, type ChangeFeed } from '../ports/change-feed.port.js';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { EVENT_BUS, type EventBus } from '../ports/event-bus.port.js';
import { JOB_REPOSITORY, type IJobRepository } from '../ports/job-repository.port.js';
import type { JobRecord } from '../ports/job-record.js';
import { ENGINE_SETTINGS, type EngineSettings } from './engine-settings.js';
import { QueueSchedulerService } from './queue-scheduler.service.js';
import { WORK_SIGNAL, type WorkSignal } from './work-signal.js';
import { WorkerRunner } from './worker-runner.js';
import type { WorkerRunnerHooks, WorkerRunnerOptions } from './worker-runner-options.js';
import { settleCommandFor, type SettleOutcome } from './settle-command.js';
import { LockLostError } from '../../domain/job/job-errors.js';
import { publishEffects } from './store-effects.js';

/** The worker side of the engine (behind the public `Worker`): processing loops and manual processing. */
@injectable()
export class JobWorkerService {
  constructor(
    @inject(JOB_REPOSITORY) private readonly jobs: IJobRepository,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(EVENT_BUS) private readonly events: EventBus,
    @inject(WORK_SIGNAL) private readonly signal: WorkSignal,
    @inject(CHANGE_FEED) private readonly changes: ChangeFeed,
    @inject(QueueSchedulerService) private readonly scheduler: QueueSchedulerService,
    @inject(ENGINE_SETTINGS) private readonly settings: EngineSettings,
  ) {}

  createRunner<C>(queue: string, opts: WorkerRunnerOptions, hooks: WorkerRunnerHooks<C>): WorkerRunner<C> {
    const { jobs, clock, events, signal, changes, scheduler, settings } = this;
    return new WorkerRunner(queue, opts, hooks, { jobs, clock, events, signal, changes, scheduler, settings });
  }

  /**
   * Manual processing (BullMQ's `worker.getNextJob`): claims one job under the caller's token. With
   * `block`, waits up to `blockMs` for one to arrive (woken by adds in this engine or the idle check).
   */
  async getNextJob(queue: string, token: string, lockMs: number, block: boolean, blockMs: number): Promise<JobRecord | undefined> {
    const deadline = performance.now() + blockMs;
    for (;;) {
      const [record] = await this.jobs.claim({ queue, token, limit: 1, lockMs, workerName: null }, this.clock.now());
      if (record !== undefined) {
        this.events.publish({ queue, event: 'active', args: { jobId: record.id, prev: 'waiting' } });
        this.scheduler.noteClaimed([record]);
        return record;
      }
      const left = deadline - performance.now();
      if (!block || left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const off = this.signal.subscribe(queue, () => finish());
        const timer = setTimeout(() => finish(), Math.min(left, this.settings.idleCheckInterval));
        const finish = () => {
          off();
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Manual completion or failure of a job claimed with `getNextJob` (job.moveToCompleted / moveToFailed). */
  async settleManually(record: JobRecord, token: string, outcome: SettleOutcome, opts: WorkerRunnerOptions, handle: unknown): Promise<void> {
    const now = this.clock.now();
    const { command } = await settleCommandFor(record, token, outcome, opts, handle, now);
    const { accepted, effects } = await this.jobs.settle([command], now);
    publishEffects(effects, this.events, this.signal);
    if (!accepted[0]) throw new LockLostError(record.id, outcome.kind === 'completed' ? 'moveToFinished' : 'moveToFailed');
    const args: Record<string, unknown> = { jobId: record.id, prev: 'active' };
    if (command.kind === 'complete') this.events.publish({ queue: record.queue, event: 'completed', args: { ...args, returnvalue: (outcome as { result: unknown }).result } });
    else if (command.kind === 'fail') this.events.publish({ queue: record.queue, event: 'failed', args: { ...args, failedReason: command.failedReason } });
    else if (command.runAt !== null) this.scheduler.noteDueAt(command.runAt);
    else this.signal.notify(record.queue);
  }

  async extendLock(queue: string, id: string, token: string, durationMs: number): Promise<boolean> {
    const [renewal] = await this.jobs.extendLocks([{ queue, id, token }], this.clock.now() + durationMs);
    return renewal.held;
  }
}
