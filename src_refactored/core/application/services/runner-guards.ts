import type { JobRecord } from '../ports/job-record.js';
import type { RunnerDeps } from './worker-runner.js';
import type { SettleOutcome } from './settle-command.js';
import { TimeoutError } from '../../domain/job/flow-control-errors.js';
import { CancelledError } from '../../domain/job/cancel-errors.js';
import type { ActiveAttempts } from './active-attempts.js';
import { AttemptDeadlines, CancelWatch, abortAttempt, type GuardedAttempt } from './attempt-guards.js';

export interface GuardedJob extends GuardedAttempt {
  record: JobRecord;
  token: string;
}

/**
 * Flow control on the worker side of one runner: attempt timeouts (one timer), cancel requests from any
 * process, and the wake-up when a rate-limit window reopens. Kept apart from the runner's loop, which
 * only asks it to guard each attempt and to wake it.
 */
export class RunnerGuards {
  private wakeTimer: NodeJS.Timeout | undefined;
  private readonly deadlines: AttemptDeadlines;
  private readonly cancelWatch: CancelWatch;

  constructor(
    private readonly queue: string,
    private readonly deps: RunnerDeps,
    active: () => ActiveAttempts<GuardedJob>,
    private readonly wake: () => void,
    onError: (error: unknown) => void,
  ) {
    this.deadlines = new AttemptDeadlines(deps.clock, deps.settings.idleCheckInterval, (id) => {
      const job = active().get(id);
      if (job !== undefined) abortAttempt(job, new TimeoutError(id, job.record.opts.timeout ?? 0));
    });
    this.cancelWatch = new CancelWatch(queue, deps.control, active, onError);
  }

  /** Cancel requests are looked for when another process commits or this engine announces one. */
  subscribe(): () => void {
    const check = () => this.cancelWatch.check();
    const offs = [this.deps.changes.subscribe(check), this.deps.cancels.subscribe(this.queue, check)];
    return () => offs.forEach((off) => off());
  }

  /**
   * Starts the attempt's deadline (`opts.timeout`) and resolves when the attempt is cancelled or timed
   * out (abortAttempt). Called as the attempt starts, before anything can abort it. The runner races
   * this against the processor, so the attempt is settled at that moment.
   */
  guard(job: GuardedJob): Promise<SettleOutcome> {
    const stopped = new Promise<Error>((resolve) => (job.stop = resolve));
    // Cancelled while it was active before (its worker died, or the attempt failed just then): stop at once.
    if (job.record.cancelReason !== null) abortAttempt(job, new CancelledError(job.record.cancelReason));
    const timeout = job.record.opts.timeout;
    if (timeout !== undefined) this.deadlines.add(job.record.id, this.deps.clock.now() + timeout);
    return stopped.then((error): SettleOutcome => ({ kind: 'failed', error }));
  }

  ended(jobId: string): void {
    this.deadlines.delete(jobId);
  }

  /** A rate limit blocks claims until `at`: wake then (capped by the idle check, which re-reads the Clock). */
  wakeAt(at: number): void {
    clearTimeout(this.wakeTimer);
    const wait = Math.min(Math.max(0, at - this.deps.clock.now()), this.deps.settings.idleCheckInterval);
    this.wakeTimer = setTimeout(this.wake, wait);
  }

  close(): void {
    clearTimeout(this.wakeTimer);
    this.deadlines.close();
  }
}
