import { inject, injectable } from 'inversify';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { EVENT_BUS, type EventBus } from '../ports/event-bus.port.js';
import { JOB_REPOSITORY, type IJobRepository } from '../ports/job-repository.port.js';
import { JOB_STEP_REPOSITORY, type IJobStepRepository } from '../ports/job-step-repository.port.js';
import { JobNotFoundError, JobStateError, LockLostError } from '../../domain/job/job-errors.js';
import { BulliteError } from '../../../shared/bullite-error.js';
import { QueueSchedulerService } from './queue-scheduler.service.js';
import { WORK_SIGNAL, type WorkSignal } from './work-signal.js';

/** Step jobs (a processor moving its own job) and re-scheduling of jobs that wait (behind the Job handle). */
@injectable()
export class JobStepService {
  constructor(
    @inject(JOB_STEP_REPOSITORY) private readonly steps: IJobStepRepository,
    @inject(JOB_REPOSITORY) private readonly jobs: IJobRepository,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(EVENT_BUS) private readonly events: EventBus,
    @inject(WORK_SIGNAL) private readonly signal: WorkSignal,
    @inject(QueueSchedulerService) private readonly scheduler: QueueSchedulerService,
  ) {}

  /** Active job → delayed until `timestamp` (waiting when it is not in the future). No attempt is counted. */
  async moveToDelayed(queue: string, id: string, token: string, timestamp: number): Promise<void> {
    const now = this.clock.now();
    if (!(await this.steps.moveToDelayed({ queue, id, token }, timestamp, now))) throw new LockLostError(id, 'moveToDelayed');
    if (timestamp > now) this.delayed(queue, id, timestamp, 'active');
    else this.ready(queue, id, 'active');
  }

  async moveToWait(queue: string, id: string, token: string): Promise<void> {
    if (!(await this.steps.moveToWait({ queue, id, token }))) throw new LockLostError(id, 'moveToWait');
    this.ready(queue, id, 'active');
  }

  async changeDelay(queue: string, id: string, delay: number): Promise<void> {
    const now = this.clock.now();
    if (!(await this.steps.changeDelay(queue, id, delay, now))) {
      await this.explainMiss(queue, id, 'changeDelay');
      // BullMQ's wording.
      throw new BulliteError('ERR_JOB_NOT_DELAYED', `Job ${id} is not in the delayed state. changeDelay`);
    }
    this.delayed(queue, id, now + delay, 'delayed');
  }

  async changePriority(queue: string, id: string, priority: number, lifo: boolean): Promise<void> {
    if (!(await this.steps.changePriority(queue, id, priority, lifo))) {
      const state = await this.explainMiss(queue, id, 'changePriority');
      throw new JobStateError(id, state, 'changePriority');
    }
    this.signal.notify(queue);
  }

  /** Throws JobNotFoundError for a missing job; otherwise returns its state for the caller's error. */
  private async explainMiss(queue: string, id: string, command: string): Promise<string> {
    const state = await this.jobs.getState(queue, id);
    if (state === 'unknown') throw new JobNotFoundError(id, command);
    return state;
  }

  private delayed(queue: string, id: string, at: number, prev: string): void {
    this.events.publish({ queue, event: 'delayed', args: { jobId: id, delay: at, prev } });
    this.scheduler.noteDueAt(at);
  }

  private ready(queue: string, id: string, prev: string): void {
    this.events.publish({ queue, event: 'waiting', args: { jobId: id, prev } });
    this.signal.notify(queue);
  }
}
