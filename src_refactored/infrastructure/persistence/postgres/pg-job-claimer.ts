import type { ClaimRequest } from '../../../core/application/ports/job-record.js';
import type { ClaimOutcome } from '../drizzle/sqlite-job-claimer.js';
import { toJobRecord } from '../drizzle/job-row.mapper.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import { isLimited } from '../claim-limits.js';
import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';
import type { PgJobLifecycle } from './pg-job-lifecycle.js';
import type { PgGroupRotation } from './pg-group-rotation.js';

interface LimitsRow {
  paused: number;
  gc: number | null;
  rmax: number | null;
  rdur: number | null;
  until: number | null;
  ws: number | null;
  wc: number;
  groupDefault: number | null;
  grouped: boolean;
}

const LIMITS = `SELECT paused, global_concurrency AS gc, rate_limit_max AS rmax, rate_limit_duration AS rdur,
                rate_limited_until AS until, rate_window_start AS ws, rate_window_count AS wc,
                group_concurrency AS "groupDefault", EXISTS (SELECT 1 FROM group_rotation WHERE queue = name) AS grouped
         FROM queues WHERE name = @queue`;

/**
 * The claim with flow control (the twin of SqliteJobClaimer). A queue with no limits and no groups takes
 * the plain SKIP LOCKED claim, which checks that itself (PLAIN_CLAIM_SQL) and never waits on another
 * claimer; the queue row is read only when it comes back empty. A limited queue is decided under the
 * queue row's lock (SELECT … FOR UPDATE, held to commit): counting the active jobs, the rate window and
 * the groups' free slots and then spending them is a read-modify-write that, under READ COMMITTED, two
 * processes could otherwise both pass. With the
 * lock, the limited claims of one queue run one after another, each seeing the last one's commit (the
 * statements after the lock take a fresh snapshot), so all processes together never exceed a limit.
 */
export class PgJobClaimer {
  private readonly s;

  constructor(
    private readonly store: PgStore,
    private readonly lifecycle: PgJobLifecycle,
    private readonly groups: PgGroupRotation,
    private readonly codec: PayloadCodec,
  ) {
    this.s = {
      limits: pgSql<LimitsRow>(LIMITS),
      lockedLimits: pgSql<LimitsRow>(`${LIMITS} FOR UPDATE OF queues`),
      active: pgSql<{ c: number }>(`SELECT count(*) AS c FROM jobs WHERE queue = @queue AND state = 'active'`),
      window: pgSql('UPDATE queues SET rate_window_start = @start, rate_window_count = @count WHERE name = @queue'),
    };
  }

  async claim(request: ClaimRequest, now: number): Promise<ClaimOutcome> {
    if (request.limit <= 0) return { jobs: [] };
    const ex = this.store.tx.ex;
    if (request.limiter === undefined) {
      const jobs = await this.lifecycle.claimPlain(request, now);
      if (jobs.length > 0) return { jobs };
      // Nothing: an empty queue, or one with limits, which is decided below under its lock.
      const seen = await this.s.limits.get(ex, { queue: request.queue });
      if (seen === undefined || !isLimited(seen, request, now)) return { jobs: [] };
    }
    // Decide on the row as it is under the lock (a claim that held it may have moved the window).
    const row = await this.s.lockedLimits.get(ex, { queue: request.queue });
    return row === undefined ? { jobs: [] } : this.claimLimited(request, row, now);
  }

  private async claimLimited(request: ClaimRequest, row: LimitsRow, now: number): Promise<ClaimOutcome> {
    const ex = this.store.tx.ex;
    if (row.paused === 1) return { jobs: [] };
    if ((row.until ?? 0) > now) return { jobs: [], blockedUntil: row.until! };
    let budget = request.limit;
    if (row.gc !== null) budget = Math.min(budget, row.gc - (await this.s.active.get(ex, { queue: request.queue }))!.c);
    // The queue's own limit wins over a worker's `limiter` (as BullMQ's setGlobalRateLimit).
    const limiter = row.rmax !== null && row.rdur !== null ? { max: row.rmax, duration: row.rdur } : request.limiter;
    let window: { start: number; count: number; end: number } | undefined;
    if (limiter !== undefined) {
      // Fixed window opened by its first claim: at most `max` claims in [start, start + duration). A claim
      // whose `now` was read before it waited for the lock can be behind a window another process opened
      // meanwhile: it counts in that window instead of opening an overlapping one (which would allow two
      // windows' worth of claims within one duration). Only a clock set back by more than a window starts anew.
      const open = row.ws !== null && now < row.ws + limiter.duration && now >= row.ws - limiter.duration;
      const start = open ? row.ws! : now;
      window = { start, count: open ? row.wc : 0, end: start + limiter.duration };
      if (limiter.max - window.count < budget) {
        budget = limiter.max - window.count;
        if (budget <= 0) return { jobs: [], blockedUntil: window.end };
      }
    }
    if (budget <= 0) return { jobs: [] };
    // A claim counted in a window opened after its clock reading starts its jobs at that window's start:
    // processed_on then lies in the window the start counted in (the multi-process test rebuilds windows
    // from it and saw 64 starts in one window of max 50 while the stored window held 50).
    const at = window === undefined ? now : Math.max(now, window.start);
    const groupDefault = row.groupDefault ?? request.groupConcurrency ?? null;
    const jobs = row.grouped
      ? (await this.groups.claim(request, budget, groupDefault, at)).map((r) => toJobRecord(r, this.codec)) // in rotation order
      : await this.lifecycle.claim({ ...request, limit: budget }, at);
    if (window === undefined || jobs.length === 0) return { jobs };
    const count = window.count + jobs.length;
    await this.s.window.run(ex, { start: window.start, count, queue: request.queue });
    return count >= limiter!.max ? { jobs, blockedUntil: window.end } : { jobs };
  }
}
