import type { Clock } from '../ports/clock.port.js';
import type { IJobRepository, StalledCandidate, StalledDecision, StalledSweep } from '../ports/job-repository.port.js';
import type { KeepJobs } from '../../domain/job/job-options.js';
import { DEFAULT_REMOVE_ON_FAIL, retentionLimits } from '../../domain/job/job-options.js';

/** What a worker registers so the engine sweeps its queue for stalled jobs and applies age retention. */
export interface StalledWatch {
  queue: string;
  maxStalledCount: number;
  stalledInterval: number;
  /** Renews the worker's own locks; called before each sweep so a clock jump cannot stall a live job. */
  renewLocks: () => Promise<void>;
  /** The worker's retention rules, used when a job has none of its own. */
  removeOnComplete?: KeepJobs;
  removeOnFail?: KeepJobs;
}

/** At most this many expired locks are looked at per sweep (bounded work per transaction). */
const CANDIDATE_LIMIT = 1000;

/**
 * Stalled recovery of one watched queue, in two passes. A sweep reads the active jobs whose lock has
 * expired and remembers each lock (its `locked_until`). Only a later sweep, at least `graceMs` of real
 * (monotonic) time afterwards, recovers the jobs whose lock is still exactly the same: a worker that is
 * alive renews within that time and changes `locked_until`, so a clock that jumped in this process (or
 * runs ahead of the owner's) can never stall a job whose worker is alive. The recovery itself is one
 * compare-and-set per job, so several processes may sweep at once.
 */
export class StalledJobSweeper {
  private marks = new Map<string, { lockedUntil: number; at: number }>();
  private confirmAt: number | undefined;
  private nextSweepAt: number;

  constructor(
    readonly watch: StalledWatch,
    private readonly jobs: IJobRepository,
    private readonly clock: Clock,
    private readonly graceMs: number,
  ) {
    this.nextSweepAt = clock.now() + watch.stalledInterval;
  }

  /** Due every `stalledInterval` of clock time, and once the grace of a pending mark has passed. */
  due(): boolean {
    return this.clock.now() >= this.nextSweepAt || (this.confirmAt !== undefined && performance.now() >= this.confirmAt);
  }

  async sweep(): Promise<StalledSweep> {
    await this.watch.renewLocks();
    const now = this.clock.now();
    const at = performance.now();
    this.nextSweepAt = now + this.watch.stalledInterval;
    const candidates = await this.jobs.findStalled(this.watch.queue, now, CANDIDATE_LIMIT);
    const marks = new Map<string, { lockedUntil: number; at: number }>();
    const decisions: StalledDecision[] = [];
    for (const candidate of candidates) {
      const mark = this.marks.get(candidate.id);
      if (mark === undefined || mark.lockedUntil !== candidate.lockedUntil) {
        marks.set(candidate.id, { lockedUntil: candidate.lockedUntil, at });
      } else if (at - mark.at >= this.graceMs) {
        decisions.push(this.decide(candidate));
      } else {
        marks.set(candidate.id, mark);
      }
    }
    this.marks = marks;
    this.confirmAt = marks.size === 0 ? undefined : Math.min(...[...marks.values()].map((m) => m.at)) + this.graceMs;
    if (decisions.length === 0) return { recovered: [], failed: [] };
    return this.jobs.recoverStalledJobs(this.watch.queue, decisions, now);
  }

  private decide(candidate: StalledCandidate): StalledDecision {
    const rule = candidate.opts.removeOnFail ?? this.watch.removeOnFail;
    return {
      id: candidate.id,
      lockedUntil: candidate.lockedUntil,
      fail: candidate.stalledCounter + 1 > this.watch.maxStalledCount,
      retention: retentionLimits(rule, DEFAULT_REMOVE_ON_FAIL),
    };
  }
}
