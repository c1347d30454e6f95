import type { RunnerDeps } from './worker-runner.js';
import type { WorkerRunnerOptions } from './worker-runner-options.js';
import type { GuardedJob } from './runner-guards.js';
import type { ActiveAttempts } from './active-attempts.js';
import { LockLostError } from '../../domain/job/job-errors.js';
import { CancelledError } from '../../domain/job/cancel-errors.js';
import { abortAttempt } from './attempt-guards.js';

/**
 * Lock renewal of one runner's active jobs, every `lockRenewTime` (driven by the runner's timer, read
 * against the Clock). A renewal also delivers cancel requests: the guaranteed bound on how long a
 * cancelled job keeps running is one renewal period. A lost lock aborts the processor's signal.
 */
export class LockRenewer {
  private nextRenewAt = 0;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly queue: string,
    private readonly deps: RunnerDeps,
    private readonly opts: WorkerRunnerOptions,
    private readonly active: () => ActiveAttempts<GuardedJob>,
    private readonly onLost: (jobIds: string[]) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.nextRenewAt = this.deps.clock.now() + this.opts.lockRenewTime;
  }

  renewIfDue(): void {
    if (this.deps.clock.now() >= this.nextRenewAt) void this.renew();
  }

  renew(): Promise<void> {
    this.renewing ??= this.doRenew().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async doRenew(): Promise<void> {
    const now = this.deps.clock.now();
    this.nextRenewAt = now + this.opts.lockRenewTime;
    const list = this.active().values();
    if (list.length === 0) return;
    const refs = list.map((a) => ({ queue: this.queue, id: a.record.id, token: a.token }));
    let renewals;
    try {
      renewals = await this.deps.jobs.extendLocks(refs, now + this.opts.lockDuration);
    } catch (error) {
      return this.onError(error);
    }
    const lost: string[] = [];
    renewals.forEach((renewal, i) => {
      const a = list[i];
      if (!renewal.held) {
        lost.push(a.record.id);
        abortAttempt(a, new LockLostError(a.record.id, 'renewLock'));
      } else if (renewal.cancelReason !== null) {
        abortAttempt(a, new CancelledError(renewal.cancelReason));
      }
    });
    if (lost.length > 0) this.onLost(lost);
  }
}
