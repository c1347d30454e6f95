import { inject, injectable } from 'inversify';
import { CLOCK, type Clock } from '../ports/clock.port.js';
import { EVENT_BUS, type EventBus } from '../ports/event-bus.port.js';
import { JOB_REPOSITORY, type IJobRepository } from '../ports/job-repository.port.js';
import { LOGGER, type Logger } from '../ports/logger.port.js';
import { ENGINE_SETTINGS, type EngineSettings } from './engine-settings.js';
import { WORK_SIGNAL, type WorkSignal } from './work-signal.js';
import { STALLED_LIMIT_REASON } from '../../domain/job/job-errors.js';
import { ClockJumpDetector } from './clock-jump-detector.js';

/** What a worker registers so the engine sweeps its queue for stalled jobs. */
export interface StalledWatch {
  queue: string;
  maxStalledCount: number;
  stalledInterval: number;
  /** Renews the worker's own locks; called before each sweep so a clock jump cannot stall a live job. */
  renewLocks: () => Promise<void>;
}

/**
 * Time-driven work of one engine: delayed jobs become waiting when due, expired locks are recovered.
 * Every sweep is one idempotent SQL transition, so several processes may run it on one file.
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
  private readonly watches = new Set<StalledWatch>();
  private readonly nextSweepAt = new Map<StalledWatch, number>();
  private readonly jumps: ClockJumpDetector;

  constructor(
    @inject(JOB_REPOSITORY) private readonly jobs: IJobRepository,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(EVENT_BUS) private readonly events: EventBus,
    @inject(WORK_SIGNAL) private readonly signal: WorkSignal,
    @inject(ENGINE_SETTINGS) private readonly settings: EngineSettings,
    @inject(LOGGER) private readonly logger: Logger,
  ) {
    // Hold recovery for two idle checks after a forward jump: other processes renew within one.
    this.jumps = new ClockJumpDetector(clock, settings.idleCheckInterval, 2 * settings.idleCheckInterval);
  }

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
    this.watches.add(watch);
    this.nextSweepAt.set(watch, this.clock.now() + watch.stalledInterval);
    return () => {
      this.watches.delete(watch);
      this.nextSweepAt.delete(watch);
    };
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
    const holding = this.jumps.holding();
    for (const watch of this.watches) await this.sweepStalled(watch, holding);
  }

  private async sweepStalled(watch: StalledWatch, holding: boolean): Promise<void> {
    if (this.clock.now() < (this.nextSweepAt.get(watch) ?? 0)) return;
    await watch.renewLocks();
    if (holding) return; // the clock just jumped: give live workers elsewhere time to renew (clock-jump-detector.ts)
    const now = this.clock.now();
    this.nextSweepAt.set(watch, now + watch.stalledInterval);
    const { recovered, failed } = await this.jobs.recoverStalled(watch.queue, now, watch.maxStalledCount);
    for (const { queue, id } of recovered) {
      this.events.publish({ queue, event: 'stalled', args: { jobId: id, prev: 'active' } });
      this.events.publish({ queue, event: 'waiting', args: { jobId: id, prev: 'active' } });
    }
    for (const { queue, id } of failed) {
      this.events.publish({ queue, event: 'failed', args: { jobId: id, failedReason: STALLED_LIMIT_REASON, prev: 'active' } });
    }
    if (recovered.length > 0) this.signal.notify(watch.queue);
  }
}
