import type { Clock } from '../ports/clock.port.js';
import type { IFlowControlRepository } from '../ports/flow-control-repository.port.js';
import { CancelledError } from '../../domain/job/cancel-errors.js';
import { TimeoutError } from '../../domain/job/flow-control-errors.js';

/** An attempt as the guards see it: its signal, and (once guarded) how a cancel or a timeout settles it. */
export interface GuardedAttempt {
  /** Its `signal` is created on first read; only abortAttempt aborts it. */
  controller: AbortController;
  /** The reason it was aborted with, the first one (kept here so checking does not create the signal). */
  abortedBy: Error | undefined;
  /** Set by RunnerGuards.guard: settles the attempt with this error at once. */
  stop?: (error: Error) => void;
}

/**
 * Aborts an attempt's signal; a cancel or a timeout also settles the attempt at that moment. The runner
 * races the guard against the processor, so a processor that ignores its signal can no longer complete
 * the job (its late result is dropped; its token no longer matches). The first reason wins, as on the
 * signal. Every abort goes through here rather than a listener on each attempt's signal: registering
 * one per job (addEventListener and its option checks) was ~1.5 % of W4's CPU.
 */
export function abortAttempt(attempt: GuardedAttempt, reason: Error): void {
  if (attempt.abortedBy !== undefined) return;
  attempt.abortedBy = reason;
  attempt.controller.abort(reason);
  // A lost lock or a closing worker only aborts the signal; the runner settles those attempts itself.
  if (reason instanceof CancelledError || reason instanceof TimeoutError) attempt.stop?.(reason);
}

/**
 * Per-attempt deadlines (`opts.timeout`) of one worker with ONE timer, armed at the earliest deadline
 * but never longer than `maxWaitMs`, re-reading the Clock when it fires (so a fake clock that jumps is
 * seen within one idle interval, and a real timer that fires late changes nothing).
 */
export class AttemptDeadlines {
  private readonly deadlines = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly maxWaitMs: number,
    private readonly onExpired: (jobId: string) => void,
  ) {}

  add(jobId: string, at: number): void {
    this.deadlines.set(jobId, at);
    this.arm();
  }

  delete(jobId: string): void {
    this.deadlines.delete(jobId);
    if (this.deadlines.size === 0) this.clear();
  }

  close(): void {
    this.deadlines.clear();
    this.clear();
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = Number.POSITIVE_INFINITY;
  }

  private arm(): void {
    if (this.deadlines.size === 0) return;
    const earliest = Math.min(...this.deadlines.values());
    const wait = Math.min(Math.max(0, earliest - this.clock.now()), this.maxWaitMs);
    const dueAt = performance.now() + wait;
    if (this.timer !== undefined && this.timerDueAt <= dueAt) return;
    this.clear();
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDueAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    for (const [jobId, at] of [...this.deadlines]) {
      if (at > now) continue;
      this.deadlines.delete(jobId);
      this.onExpired(jobId);
    }
    this.arm();
  }
}

/**
 * Looks for cancel requests (`queue.cancelJob` from any process) on this worker's active jobs. Lock
 * renewal already reports them (the guaranteed bound: one renewal period); this check runs sooner, when
 * another process commits (change feed) or this engine asks (cancel signal). One read at a time.
 */
export class CancelWatch {
  private checking = false;
  private again = false;

  constructor(
    private readonly queue: string,
    private readonly control: IFlowControlRepository,
    private readonly activeJobs: () => { readonly size: number; get(id: string): (GuardedAttempt & { token: string }) | undefined },
    private readonly onError: (error: unknown) => void,
  ) {}

  check(): void {
    if (this.activeJobs().size === 0) return;
    if (this.checking) return void (this.again = true);
    this.checking = true;
    void this.control
      .cancelRequests(this.queue)
      .then((requests) => {
        const active = this.activeJobs();
        for (const r of requests) {
          const job = active.get(r.id);
          if (job?.token === r.token) abortAttempt(job, new CancelledError(r.reason));
        }
      }, this.onError)
      .finally(() => {
        this.checking = false;
        if (this.again) {
          this.again = false;
          this.check();
        }
      });
  }
}
