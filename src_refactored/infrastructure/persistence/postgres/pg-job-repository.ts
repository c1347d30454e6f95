import type {
  ClaimRequest,
  InsertResult,
  JobRecord,
  NewJob,
  Retention,
  SettleCommand,
  SettleResult,
} from '../../../core/application/ports/job-record.js';
import type {
  IJobRepository,
  LockRef,
  LockRenewal,
  RemoveOutcome,
  StalledCandidate,
  StalledDecision,
  StalledSweep,
} from '../../../core/application/ports/job-repository.port.js';
import type { JobsOptions } from '../../../core/domain/job/job-options.js';
import type { JobState, JobStateOrUnknown } from '../../../core/domain/job/job-state.js';
import type { ClaimOutcome } from '../drizzle/sqlite-job-claimer.js';
import { plainCodec, type PayloadCodec } from '../codec/payload-codec.js';
import type { PgStore } from './pg-store.js';
import type { PgTransactor } from './pg-transactor.js';
import { PgGroupRotation } from './pg-group-rotation.js';
import { PgJobAdmin } from './pg-job-admin.js';
import { PgJobClaimer } from './pg-job-claimer.js';
import { PgJobLifecycle } from './pg-job-lifecycle.js';
import { PgJobMaintenance } from './pg-job-maintenance.js';
import { PgJobQueries } from './pg-job-queries.js';
import { PgJobWriter } from './pg-job-writer.js';
import { PgMetricsRecorder } from './pg-metrics-recorder.js';
import { PgQueueCounters } from './pg-queue-counters.js';
import { PgStalledFollowUps } from './pg-stalled-follow-ups.js';

/**
 * IJobRepository on PostgreSQL, the twin of SqliteJobRepository: each port method is one transaction
 * (`store.tx.write` / `store.tx.read`), the SQL lives in the collaborators. A settle and the claim that
 * follows it share one transaction and one commit; the metrics are flushed last in it (lock order, see
 * PgMetricsRecorder).
 */
export class PgJobRepository implements IJobRepository {
  private readonly tx: PgTransactor;
  private readonly writer: PgJobWriter;
  private readonly lifecycle: PgJobLifecycle;
  private readonly claimer: PgJobClaimer;
  private readonly queries: PgJobQueries;
  private readonly admin: PgJobAdmin;
  private readonly stalled: PgJobMaintenance;
  private readonly metrics: PgMetricsRecorder;
  private readonly stalledFollowUps: PgStalledFollowUps;

  /**
   * `afterClaim` runs inside every claim transaction (job schedulers create their next iteration there);
   * `codec` encodes job data, return values and logs on their way in and out (plain by default).
   */
  constructor(
    store: PgStore,
    private readonly afterClaim: (claimed: readonly JobRecord[], now: number) => Promise<void> = async () => undefined,
    codec: PayloadCodec = plainCodec,
  ) {
    const counters = new PgQueueCounters(store);
    this.tx = store.tx;
    this.writer = new PgJobWriter(store, counters, codec);
    this.metrics = new PgMetricsRecorder(store);
    this.lifecycle = new PgJobLifecycle(store, counters, codec, this.metrics);
    this.claimer = new PgJobClaimer(store, this.lifecycle, new PgGroupRotation(store), codec);
    this.queries = new PgJobQueries(store, codec);
    this.admin = new PgJobAdmin(store, counters, codec);
    this.stalled = new PgJobMaintenance(store);
    this.stalledFollowUps = new PgStalledFollowUps(store, counters, codec);
  }

  insert(jobs: readonly NewJob[], now: number): Promise<InsertResult[]> {
    return this.tx.write(() => this.writer.insert(jobs, now));
  }

  findById(queue: string, id: string): Promise<JobRecord | null> {
    return this.tx.read(() => this.queries.findById(queue, id));
  }

  getState(queue: string, id: string): Promise<JobStateOrUnknown> {
    return this.tx.read(() => this.queries.getState(queue, id));
  }

  claim(request: ClaimRequest, now: number): Promise<JobRecord[]> {
    return this.tx.write(async () => (await this.claimAndHook(request, now)).jobs);
  }

  async settle(
    commands: readonly SettleCommand[],
    now: number,
    next?: ClaimRequest,
    withinTransaction?: (result: SettleResult) => void,
  ): Promise<SettleResult> {
    // An idle worker's periodic claim (nothing to settle) first looks, outside a transaction, whether
    // anything is ready: polling an empty queue then costs one indexed read, no BEGIN/COMMIT.
    if (commands.length === 0 && next !== undefined && !(await this.tx.read(() => this.lifecycle.hasReady(next.queue)))) {
      return { accepted: [], claimed: [], effects: [] };
    }
    return this.tx.write(async () => {
      const effects: SettleResult['effects'] = [];
      const accepted = await this.lifecycle.settle(commands, now, effects);
      let result: SettleResult = { accepted, claimed: [], effects };
      if (next !== undefined) {
        const { jobs, blockedUntil } = await this.claimAndHook(next, now);
        result = { accepted, claimed: jobs, effects, claimBlockedUntil: blockedUntil };
      }
      await this.metrics.flush();
      // Events published here are written by the event bus's transaction participant, in this commit.
      withinTransaction?.(result);
      return result;
    });
  }

  private async claimAndHook(request: ClaimRequest, now: number): Promise<ClaimOutcome> {
    const outcome = await this.claimer.claim(request, now);
    if (outcome.jobs.length > 0) await this.afterClaim(outcome.jobs, now);
    return outcome;
  }

  release(locks: readonly LockRef[]): Promise<void> {
    return this.tx.write(() => this.lifecycle.release(locks));
  }

  extendLocks(locks: readonly LockRef[], until: number): Promise<LockRenewal[]> {
    return this.tx.write(() => this.lifecycle.extendLocks(locks, until));
  }

  updateProgress(queue: string, id: string, progressJson: string, token?: string): Promise<boolean> {
    return this.tx.write(() => this.queries.updateProgress(queue, id, progressJson, token));
  }

  updateData(queue: string, id: string, dataJson: string, token?: string): Promise<boolean> {
    return this.tx.write(() => this.queries.updateData(queue, id, dataJson, token));
  }

  addLog(queue: string, id: string, message: string, keepLogs?: number, token?: string): Promise<number | null> {
    return this.tx.write(() => this.queries.addLog(queue, id, message, keepLogs, token));
  }

  getLogs(queue: string, id: string, start: number, end: number, asc: boolean): Promise<{ logs: string[]; count: number }> {
    return this.tx.read(() => this.queries.getLogs(queue, id, start, end, asc));
  }

  countByStates(queue: string, states: readonly JobState[]): Promise<Record<JobState, number>> {
    return this.tx.read(() => this.queries.countByStates(queue, states));
  }

  list(queue: string, states: readonly JobState[], start: number, end: number, asc: boolean): Promise<JobRecord[]> {
    return this.tx.read(() => this.queries.list(queue, states, start, end, asc));
  }

  remove(queue: string, id: string, now: number): Promise<RemoveOutcome> {
    return this.tx.write(() => this.admin.remove(queue, id, now));
  }

  drain(queue: string, includeDelayed: boolean): Promise<number> {
    return this.tx.write(() => this.admin.drain(queue, includeDelayed));
  }

  clean(queue: string, graceMs: number, limit: number, state: JobState, now: number): Promise<string[]> {
    return this.tx.write(() => this.admin.clean(queue, graceMs, limit, state, now));
  }

  obliterate(queue: string, force: boolean): Promise<'done' | 'active'> {
    return this.tx.write(() => this.admin.obliterate(queue, force));
  }

  retryJobs(queue: string, state: 'failed' | 'completed', count: number, timestamp: number): Promise<number> {
    return this.tx.write(() => this.admin.retryJobs(queue, state, count, timestamp));
  }

  retryJob(queue: string, id: string, fromState: 'failed' | 'completed', resetAttemptsMade: boolean): Promise<boolean> {
    return this.tx.write(() => this.admin.retryJob(queue, id, fromState, resetAttemptsMade));
  }

  promoteJobs(queue: string, count: number): Promise<number> {
    return this.tx.write(() => this.admin.promoteJobs(queue, count));
  }

  promote(queue: string, id: string): Promise<boolean> {
    return this.tx.write(() => this.admin.promote(queue, id));
  }

  async promoteDue(now: number): Promise<{ queue: string; ids: string[] }[]> {
    // The scheduler calls this on every idle tick: read first, open a transaction only when something is due.
    const next = await this.nextDueAt();
    if (next === null || next > now) return [];
    return this.tx.write(() => this.admin.promoteDue(now));
  }

  nextDueAt(): Promise<number | null> {
    return this.tx.read(() => this.admin.nextDueAt());
  }

  findStalled(queue: string, now: number, limit: number): Promise<StalledCandidate[]> {
    return this.tx.read(() => this.stalled.candidates(queue, now, limit));
  }

  recoverStalledJobs(queue: string, decisions: readonly StalledDecision[], now: number): Promise<StalledSweep> {
    return this.tx.write(async () => {
      const sweep = await this.stalledFollowUps.around(queue, decisions, now, () => this.stalled.recover(queue, decisions, now));
      const failed = new Set(sweep.failed.map((f) => f.id));
      const kept = decisions.find((d) => failed.has(d.id) && d.retention.count !== 0);
      if (kept !== undefined) await this.lifecycle.applyRetention(queue, 'failed', kept.retention, now);
      // Jobs failed by the sweep count in the failed metrics, in the sweep's transaction (flushed last).
      for (const job of sweep.failed) this.metrics.observe(job.queue, 'failed', undefined, now);
      await this.metrics.flush();
      return sweep;
    });
  }

  applyRetention(queue: string, state: 'completed' | 'failed', retention: Retention, now: number): Promise<void> {
    return this.tx.write(() => this.lifecycle.applyRetention(queue, state, retention, now));
  }

  newestFinishedOpts(queue: string, state: 'completed' | 'failed'): Promise<JobsOptions | null> {
    return this.tx.read(() => this.stalled.newestFinishedOpts(queue, state));
  }
}
