import { inject, injectable } from 'inversify';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { EVENT_BUS, type EventBus } from '../ports/event-bus.port.js';
import { JOB_REPOSITORY, type IJobRepository } from '../ports/job-repository.port.js';
import { LOGGER, type Logger } from '../ports/logger.port.js';
import { ENGINE_SETTINGS, type EngineSettings } from './engine-settings.js';
import { WORK_SIGNAL, type WorkSignal } from './work-signal.js';
import { STALLED_LIMIT_REASON } from '../../domain/job/job-errors.js';
import { publishEffects } from './store-effects.js';
import { JOB_SCHEDULER_REPOSITORY, type IJobSchedulerRepository } from '../ports/job-scheduler-repository.port.js';
import type { JobRecord } from '../ports/job-record.js';
import { StalledJobSweeper, type StalledWatch } from './stalled-job-sweeper.js';
import { sweepRetention } from './retention-sweep.js';
import { repeatJobId } from './repeat-iteration-planner.js';

/** Age-based retention (per watched queue) and the scheduler repair run at most this often (ms of clock time). */
const RETENTION_SWEEP_INTERVAL = 5_000;

/**
 * Real time a stalled candidate's lock must stay unchanged before it is recovered. A live worker renews
 * on its next timer tick (at most idleCheckInterval after its clock passed the renewal time), so a few
 * ticks are enough even right after a sleep/resume jump seen by every process at once.
 */
function stallGraceMs(idleCheckInterval: number): number {
  return Math.max(100, 4 * idleCheckInterval);
}

/**
 * Time-driven work of one engine: delayed jobs become waiting when due (job scheduler iterations are
 * delayed jobs too), expired locks are recovered (StalledJobSweeper), age retention is applied. Every
 * sweep is one idempotent SQL transition, so several processes may run it on one file.
 *
 * Timing: a timer is armed for the earliest due time (re-armed when an earlier one is added), but never
 * longer than `idleCheckInterval`, and each tick re-reads the Clock. A fake clock moved forward in a test
 * is therefore seen within one interval, and a real timer that fires late (sleep/resume) changes nothing.
 */
@injectable()
export class QueueSchedulerService {
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Number.POSITIVE_INFINITY;
  private ticking: Promise<void> | undefined;
  private closed = false;
  private readonly sweepers = new Set<StalledJobSweeper>();
  private readonly nextRetentionAt = new Map<string, number>();
  private nextRepairAt = 0;

  constructor(
    @inject(JOB_REPOSITORY) private readonly jobs: IJobRepository,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(EVENT_BUS) private readonly events: EventBus,
    @inject(WORK_SIGNAL) private readonly signal: WorkSignal,
    @inject(ENGINE_SETTINGS) private readonly settings: EngineSettings,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(JOB_SCHEDULER_REPOSITORY) private readonly schedulers: IJobSchedulerRepository,
  ) {}

  start(): void {
    this.closed = false;
    this.arm(0);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** A job became delayed until `at`: make sure the timer fires by then. */
  noteDueAt(at: number): void {
    this.arm(Math.max(0, at - this.clock.now()));
  }

  watchStalled(watch: StalledWatch): () => void {
    const sweeper = new StalledJobSweeper(watch, this.jobs, this.clock, stallGraceMs(this.settings.idleCheckInterval));
    this.sweepers.add(sweeper);
    return () => this.sweepers.delete(sweeper);
  }

  /**
   * Jobs were just claimed. The claim of a scheduler's job created its next iteration in the same
   * transaction; announce that job and arm the timer for it.
   */
  noteClaimed(records: readonly JobRecord[]): void {
    for (const record of records) {
      const schedulerId = record.opts.repeatJobKey;
      if (schedulerId !== undefined) void this.announceNextIteration(record.queue, schedulerId).catch(() => undefined);
    }
  }

  /** Events and timer for a job a scheduler created (by upsert or by the claim of the previous one). */
  announceIteration(queue: string, jobId: string, name: string, runAt: number): void {
    this.events.publish({ queue, event: 'added', args: { jobId, name } });
    if (runAt > this.clock.now()) {
      this.events.publish({ queue, event: 'delayed', args: { jobId, delay: runAt } });
      this.noteDueAt(runAt);
    } else {
      this.events.publish({ queue, event: 'waiting', args: { jobId } });
      this.signal.notify(queue);
    }
  }

  private async announceNextIteration(queue: string, schedulerId: string): Promise<void> {
    const scheduler = await this.schedulers.get(queue, schedulerId);
    if (scheduler === null || scheduler.nextRun === null) return;
    this.announceIteration(queue, repeatJobId(schedulerId, scheduler.nextRun), scheduler.template.name, scheduler.nextRun);
  }

  /** Runs one sweep now (also what the timer calls). Safe to call concurrently: calls are serialised. */
  async tick(): Promise<void> {
    while (this.ticking !== undefined) await this.ticking;
    this.ticking = this.sweep().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private arm(delayMs: number): void {
    if (this.closed) return;
    const wait = Math.min(Math.max(0, delayMs), this.settings.idleCheckInterval);
    const dueAt = performance.now() + wait;
    if (this.timer !== undefined && this.timerDueAt <= dueAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDueAt = Number.POSITIVE_INFINITY;
      void this.tick()
        .catch((error) => this.logger.error('scheduler sweep failed', { error: String(error) }))
        .finally(() => this.rearm());
    }, wait);
    this.timer.unref();
  }

  private async rearm(): Promise<void> {
    if (this.closed) return;
    try {
      const next = await this.jobs.nextDueAt();
      this.arm(next === null ? this.settings.idleCheckInterval : next - this.clock.now());
    } catch {
      this.arm(this.settings.idleCheckInterval);
    }
  }

  private async sweep(): Promise<void> {
    const promoted = await this.jobs.promoteDue(this.clock.now());
    for (const { queue, ids } of promoted) {
      for (const jobId of ids) this.events.publish({ queue, event: 'waiting', args: { jobId, prev: 'delayed' } });
      this.signal.notify(queue);
    }
    await this.repairSchedulers();
    for (const sweeper of this.sweepers) {
      if (sweeper.due()) await this.sweepStalled(sweeper);
      await this.sweepRetentionOf(sweeper.watch);
    }
  }

  private async sweepStalled(sweeper: StalledJobSweeper): Promise<void> {
    const { queue } = sweeper.watch;
    const { recovered, failed, effects } = await sweeper.sweep();
    for (const { id } of recovered) {
      this.events.publish({ queue, event: 'stalled', args: { jobId: id, prev: 'active' } });
      this.events.publish({ queue, event: 'waiting', args: { jobId: id, prev: 'active' } });
    }
    for (const { id } of failed) {
      this.events.publish({ queue, event: 'failed', args: { jobId: id, failedReason: STALLED_LIMIT_REASON, prev: 'active' } });
    }
    publishEffects(effects, this.events, this.signal);
    if (recovered.length > 0) this.signal.notify(queue);
  }

  /** A scheduler whose pending job was drained or removed gets a new one (checked every few seconds). */
  private async repairSchedulers(): Promise<void> {
    const now = this.clock.now();
    if (now < this.nextRepairAt) return;
    this.nextRepairAt = now + RETENTION_SWEEP_INTERVAL;
    for (const job of await this.schedulers.repairOrphans(now)) this.announceIteration(job.queue, job.id, job.name, job.runAt ?? now);
  }

  private async sweepRetentionOf(watch: StalledWatch): Promise<void> {
    const now = this.clock.now();
    if (now < (this.nextRetentionAt.get(watch.queue) ?? 0)) return;
    this.nextRetentionAt.set(watch.queue, now + RETENTION_SWEEP_INTERVAL);
    await sweepRetention(this.jobs, watch.queue, watch, now);
  }
}
