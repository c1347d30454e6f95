import { randomUUID } from 'node:crypto';
import type { Clock } from '../ports/clock.port.js';
import type { ChangeFeed } from '../ports/change-feed.port.js';
import type { EventBus } from '../ports/event-bus.port.js';
import type { IJobRepository } from '../ports/job-repository.port.js';
import type { ClaimRequest, JobRecord, SettleCommand } from '../ports/job-record.js';
import type { EngineSettings } from './engine-settings.js';
import type { WorkSignal } from './work-signal.js';
import type { WorkerRunnerHooks, WorkerRunnerOptions } from './worker-runner-options.js';
import type { QueueSchedulerService } from './queue-scheduler.service.js';
import { LockLostError } from '../../domain/job/job-errors.js';
import { CancelledError, WorkerClosedError } from '../../domain/job/cancel-errors.js';
import { movedByProcessor, settleCommandFor, type SettleOutcome } from './settle-command.js';
import { wakeForEffects } from './store-effects.js';
import { publishStepEvents } from './step-events.js';
import type { IFlowControlRepository } from '../ports/flow-control-repository.port.js';
import { RunnerGuards, type GuardedJob } from './runner-guards.js';
import { abortAttempt } from './attempt-guards.js';
import { PumpSchedule } from './pump-schedule.js';
import { LockRenewer } from './lock-renewer.js';
import { StoreBackoff } from './store-backoff.js';
import { StepCommits } from './step-commits.js';
import { ActiveAttempts, type Slotted } from './active-attempts.js';

interface ActiveJob<C> extends GuardedJob, Slotted {
  context: C;
  /** performance.now() as it started (group commit holds only steps of quick jobs). */
  startedAt: number;
}

interface PendingSettle<C> {
  command: SettleCommand;
  outcome: SettleOutcome;
  active: ActiveJob<C>;
  done: () => void;
  /** Wall ms from its start to its outcome. */
  runMs: number;
}

export interface RunnerDeps {
  jobs: IJobRepository;
  clock: Clock;
  events: EventBus;
  signal: WorkSignal;
  changes: ChangeFeed;
  scheduler: QueueSchedulerService;
  settings: EngineSettings;
  control: IFlowControlRepository;
  /** In-process channel on which `cancelJob` of this engine announces a cancel request. */
  cancels: WorkSignal;
}

/**
 * The processing loop of one Worker. A single "pump" does all store work: it writes the outcomes of
 * every job that finished since it last ran (group commit) and claims as many jobs as there are free
 * slots, both in one transaction. It runs on setImmediate, so completions of one event-loop turn share
 * a step, or in a microtask when no running job could join the step (pump-schedule.ts). One interval
 * timer per worker drives lock renewal and the idle re-check; no per-job timers.
 */
export class WorkerRunner<C> {
  private readonly workerId = randomUUID();
  private claimCounter = 0;
  private readonly active = new ActiveAttempts<ActiveJob<C>>();
  /** Attempts started and not yet settled (a count, not a Set of promises: see active-attempts.ts). */
  private unsettled = 0;
  private idleWaiters: (() => void)[] = [];
  private pending: PendingSettle<C>[] = [];
  private readonly pumps = new PumpSchedule(() => void this.pump());
  private pumping = false;
  private idle = false;
  private wokenWhilePumping = false;
  private drainedSent = true;
  private running = false;
  private paused = false;
  private closing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly storeBackoff = new StoreBackoff();
  private readonly unsubscribe: (() => void)[] = [];
  private stopped: (() => void) | undefined;
  private readonly guards: RunnerGuards;
  private readonly locks: LockRenewer;
  private readonly commits = new StepCommits((error) => this.reportError(error));
  /** Group commit: held steps stay open while the next pump has jobs to settle. */
  private readonly continuesHeld = () => this.pending.length > 0 && this.closing === undefined;

  constructor(
    readonly queue: string,
    private readonly opts: WorkerRunnerOptions,
    private readonly hooks: WorkerRunnerHooks<C>,
    private readonly deps: RunnerDeps,
  ) {
    const onError = (e: unknown) => this.reportError(e);
    this.guards = new RunnerGuards(queue, deps, () => this.active, () => this.schedulePump(), onError);
    this.locks = new LockRenewer(queue, deps, opts, () => this.active, (ids) => hooks.onLockRenewalFailed(ids), onError);
  }

  isRunning(): boolean {
    return this.running;
  }

  isPaused(): boolean {
    return this.paused;
  }

  /** Starts processing; the promise resolves when the worker has closed. */
  run(): Promise<void> {
    this.running = true;
    // A wake-up during a claim in flight is kept: that claim may have read the store before the change
    // (a round trip on PostgreSQL), and dropping the wake left the job to the idle check (W5 p50 246 ms).
    const wake = () => (this.pumping ? (this.wokenWhilePumping = true) : this.idle && this.schedulePump());
    this.unsubscribe.push(this.deps.signal.subscribe(this.queue, wake), this.deps.changes.subscribe(wake), this.guards.subscribe());
    this.unsubscribe.push(
      this.deps.scheduler.watchStalled({
        queue: this.queue,
        maxStalledCount: this.opts.maxStalledCount,
        stalledInterval: this.opts.stalledInterval,
        renewLocks: () => this.locks.renew(),
        removeOnComplete: this.opts.removeOnComplete,
        removeOnFail: this.opts.removeOnFail,
      }),
    );
    this.locks.start();
    const every = Math.min(this.deps.settings.idleCheckInterval, this.opts.lockRenewTime);
    this.timer = setInterval(() => this.onTimer(), every);
    this.schedulePump();
    return new Promise((resolve) => (this.stopped = resolve));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedulePump();
  }

  /** Resolves once every job this worker started has settled (used by pause and graceful close). */
  whenIdle(): Promise<void> {
    if (this.unsettled === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(force: boolean): Promise<void> {
    this.closing ??= this.shutdown(force);
    return this.closing;
  }

  /** Aborts the signal of one local active job (worker.cancelJob). */
  cancelLocal(jobId: string, reason: string): boolean {
    const active = this.active.get(jobId);
    if (active === undefined) return false;
    abortAttempt(active, new CancelledError(reason));
    return true;
  }

  private async shutdown(force: boolean): Promise<void> {
    this.paused = true;
    if (force) {
      const list = this.active.values();
      for (const a of list) abortAttempt(a, new WorkerClosedError());
      // Hand the jobs back at once instead of leaving them to the stalled sweep.
      await this.deps.jobs.release(list.map((a) => ({ queue: this.queue, id: a.record.id, token: a.token }))).catch(() => undefined);
    } else {
      await this.whenIdle();
    }
    while (this.pumping || this.pumps.pending) await new Promise((r) => setImmediate(r));
    await this.commits.settledAll();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.guards.close();
    this.storeBackoff.stop();
    for (const off of this.unsubscribe.splice(0)) off();
    this.running = false;
    this.stopped?.();
  }

  private onTimer(): void {
    this.locks.renewIfDue();
    if (this.idle || this.active.size < this.opts.concurrency) this.schedulePump();
  }

  private schedulePump(): void {
    // Not while a pump is in flight (PostgreSQL's round trip): a microtask would only find it busy again.
    this.pumps.schedule(!this.pumping && this.active.size === 0);
  }

  private freeSlots(): number {
    if (!this.running || this.paused || this.closing !== undefined) return 0;
    return this.opts.concurrency - this.active.size;
  }

  private claimRequest(limit: number): ClaimRequest {
    return {
      queue: this.queue,
      token: `${this.workerId}:${++this.claimCounter}`,
      limit,
      lockMs: this.opts.lockDuration,
      workerName: this.opts.name,
      limiter: this.opts.limiter,
      groupConcurrency: this.opts.groupConcurrency,
    };
  }

  private async pump(): Promise<void> {
    if (this.pumping) return this.schedulePump();
    if (this.storeBackoff.blocked) return; // the retry timer pumps again when the pause is over
    this.pumping = true;
    try {
      const batch = this.pending;
      this.pending = [];
      const free = this.freeSlots();
      if (batch.length === 0 && free <= 0) return;
      const now = this.deps.clock.now();
      const next = free > 0 ? this.claimRequest(free) : undefined;
      // A step that settles jobs may be group-committed with the next ones (step-commits.ts).
      const hold = this.commits.mayHold(batch) && this.closing === undefined;
      const continues = hold ? this.continuesHeld : undefined;
      let result;
      try {
        // The step's events are published inside its transaction, so they are stored by the same commit.
        result = await this.deps.jobs.settle(
          batch.map((p) => p.command),
          now,
          next,
          (r) => publishStepEvents(this.deps.events, this.queue, batch, r),
          continues,
        );
      } catch (error) {
        this.reportError(error);
        this.retryLater(batch);
        this.idle = true;
        return this.storeBackoff.failed(() => this.schedulePump());
      }
      this.storeBackoff.succeeded();
      // Settled jobs are announced (Worker events, waiters, in-process wake-ups) once their step is
      // committed, so whoever hears 'completed' finds it stored, from any connection. Claimed jobs start now.
      const { durable, claimed } = result;
      const settled = () => {
        batch.forEach((p, i) => this.afterSettle(p, result.accepted[i], now));
        wakeForEffects(result.effects, this.deps.signal);
      };
      // Rolled back with the held steps (a failed commit): settled again like a failed settle; the jobs
      // those steps claimed are no longer active in the store, so their fenced writes fail.
      this.commits.whenCommitted(durable, settled, () => {
        this.retryLater(batch);
        this.schedulePump();
      });
      for (const record of claimed) this.start(record);
      this.deps.scheduler.noteClaimed(claimed);
      if (next !== undefined && this.noteClaimResult(claimed.length, next.limit, result.claimBlockedUntil)) {
        this.commits.whenCommitted(durable, () => this.announceDrained(), () => undefined);
      }
    } finally {
      this.pumping = false;
      const woken = this.wokenWhilePumping;
      this.wokenWhilePumping = false;
      const more = this.pending.length > 0 || ((woken || !this.idle) && this.freeSlots() > 0);
      if (more && !this.storeBackoff.blocked) this.schedulePump();
    }
  }

  /** Keeps finished attempts for a retry (their tokens still fence them); a closing worker gives up. */
  private retryLater(batch: PendingSettle<C>[]): void {
    // Given up, the jobs stay active in the store and the stalled sweep recovers them.
    if (this.closing === undefined) this.pending = batch.concat(this.pending);
    else for (const p of batch) p.done();
  }

  /** Returns whether the queue was drained by this worker (announced once the step is committed). */
  private noteClaimResult(claimed: number, limit: number, blockedUntil: number | undefined): boolean {
    // Fewer jobs than asked for: the queue is empty now, so wait for a wake-up instead of asking again.
    this.idle = claimed < limit;
    if (blockedUntil !== undefined) this.guards.wakeAt(blockedUntil);
    if (claimed > 0) this.drainedSent = false;
    else if (blockedUntil !== undefined) return false; // rate limited, not drained
    else if (!this.drainedSent && this.active.size === 0) return (this.drainedSent = true);
    return false;
  }

  private announceDrained(): void {
    this.hooks.onDrained();
    this.deps.events.publish({ queue: this.queue, event: 'drained', args: {} });
  }

  private start(record: JobRecord): void {
    // Its signal is made only if read: by the processor's hook, or by an abort.
    const controller = new AbortController();
    const token = record.lockToken!;
    const context = this.hooks.createContext(record, token);
    const active: ActiveJob<C> = { record, token, controller, abortedBy: undefined, context, startedAt: performance.now(), slot: -1 };
    this.active.add(active);
    // A cancel or timeout settles the attempt now, whatever the processor does later. Guarded before the
    // 'active' listeners run, so a cancelJob from one of them settles it too.
    const stopped = this.guards.guard(active);
    this.hooks.onActive(context);
    this.unsettled++;
    void this.execute(active, stopped).finally(() => {
      if (--this.unsettled === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  private async execute(active: ActiveJob<C>, stopped: Promise<SettleOutcome>): Promise<void> {
    const processed = active.abortedBy !== undefined
      ? stopped // cancelled before it started: the processor is not run
      : Promise.resolve()
          .then(() => this.hooks.process(active.context, active.token, active.controller))
          .then(
            (result): SettleOutcome => ({ kind: 'completed', result }),
            (error): SettleOutcome => ({ kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) }),
          );
    const outcome = await Promise.race([processed, stopped]);
    this.guards.ended(active.record.id);
    if (movedByProcessor(outcome)) {
      this.active.delete(active);
      this.hooks.onMoved?.(active.context);
      return this.schedulePump();
    }
    const runMs = performance.now() - active.startedAt;
    const command = await settleCommandFor(active.record, active.token, outcome, this.opts, active.context, this.deps.clock.now());
    this.active.delete(active);
    await new Promise<void>((done) => {
      this.pending.push({ command: command.command, outcome: command.outcome, active, done, runMs });
      this.schedulePump();
    });
  }

  private afterSettle(p: PendingSettle<C>, accepted: boolean, now: number): void {
    p.done();
    const { record } = p.active;
    if (!accepted) {
      if (this.closing === undefined) this.reportError(new LockLostError(record.id, 'moveToFinished'));
      return;
    }
    const { command, outcome } = p;
    if (outcome.kind === 'completed') return this.hooks.onCompleted(p.active.context, outcome.result, now);
    if (command.kind === 'requeue') {
      this.hooks.onRequeued?.(p.active.context);
      return this.deps.signal.notify(this.queue);
    }
    this.hooks.onFailed(p.active.context, outcome.error, command.kind === 'fail', now);
    if (command.kind === 'fail') return;
    if (command.kind === 'retry' && command.runAt !== null) this.deps.scheduler.noteDueAt(command.runAt);
    else this.deps.signal.notify(this.queue);
  }

  private reportError(error: unknown): void {
    this.hooks.onError(error instanceof Error ? error : new Error(String(error)));
  }
}
