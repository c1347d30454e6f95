import type { ClaimRequest, JobRecord } from '../../../core/application/ports/job-record.js';
import type { SqliteDb } from './sqlite-database.js';
import type { SqliteJobLifecycle } from './sqlite-job-lifecycle.js';
import type { SqliteGroupRotation } from './sqlite-group-rotation.js';
import { toJobRecord } from './job-row.mapper.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import { isLimited } from '../claim-limits.js';

interface LimitsRow {
  paused: number;
  gc: number | null;
  rmax: number | null;
  rdur: number | null;
  until: number | null;
  ws: number | null;
  wc: number;
  groupDefault: number | null;
  grouped: number;
}

export interface ClaimOutcome {
  jobs: JobRecord[];
  /** A rate limit stopped the claim: nothing can be claimed before this time. */
  blockedUntil?: number;
}

/**
 * The claim with flow control, decided inside the caller's transaction so every worker and process on
 * the file sees one consistent budget. It first runs the plain claim, which claims nothing when the queue
 * has limits or groups (PLAIN_CLAIM_SQL); only when that comes back empty does it read the queue's row
 * (one primary-key lookup). For a queue with limits the budget is cut to the free global concurrency and
 * the rate-limit window, and grouped queues pick job by job in round-robin order.
 */
export class SqliteJobClaimer {
  private readonly s;

  constructor(
    db: SqliteDb,
    private readonly lifecycle: SqliteJobLifecycle,
    private readonly groups: SqliteGroupRotation,
    private readonly codec: PayloadCodec,
  ) {
    this.s = {
      limits: db.prepare<[string], LimitsRow>(
        `SELECT paused, global_concurrency AS gc, rate_limit_max AS rmax, rate_limit_duration AS rdur,
                rate_limited_until AS until, rate_window_start AS ws, rate_window_count AS wc,
                group_concurrency AS groupDefault, EXISTS (SELECT 1 FROM group_rotation WHERE queue = name) AS grouped
         FROM queues WHERE name = ?`,
      ),
      active: db.prepare<[string], { c: number }>(`SELECT count(*) AS c FROM jobs WHERE queue = ? AND state = 'active'`),
      window: db.prepare('UPDATE queues SET rate_window_start = ?, rate_window_count = ? WHERE name = ?'),
    };
  }

  claim(request: ClaimRequest, now: number): ClaimOutcome {
    if (request.limit <= 0) return { jobs: [] };
    if (request.limiter === undefined) {
      // A busy queue without limits: its claim statements check that themselves (W3: the separate read
      // of the queue's row was ~9 µs of every job).
      const jobs = this.lifecycle.claimPlain(request, now);
      if (jobs.length > 0) return { jobs };
    }
    // Nothing claimed: an empty or paused queue, or one with limits or groups, decided on its row.
    const row = this.s.limits.get(request.queue);
    if (row === undefined || !isLimited(row, request, now)) {
      return { jobs: request.limiter === undefined ? [] : this.lifecycle.claim(request, now) };
    }
    return this.claimLimited(request, row, now);
  }

  private claimLimited(request: ClaimRequest, row: LimitsRow, now: number): ClaimOutcome {
    if (row.paused === 1) return { jobs: [] };
    if ((row.until ?? 0) > now) return { jobs: [], blockedUntil: row.until! };
    let budget = request.limit;
    if (row.gc !== null) budget = Math.min(budget, row.gc - this.s.active.get(request.queue)!.c);
    // The queue's own limit wins over a worker's `limiter` (as BullMQ's setGlobalRateLimit).
    const limiter = row.rmax !== null && row.rdur !== null ? { max: row.rmax, duration: row.rdur } : request.limiter;
    let window: { start: number; count: number; end: number } | undefined;
    if (limiter !== undefined) {
      // Fixed window opened by its first claim: at most `max` claims in [start, start + duration).
      const open = row.ws !== null && now < row.ws + limiter.duration && now >= row.ws;
      const start = open ? row.ws! : now;
      window = { start, count: open ? row.wc : 0, end: start + limiter.duration };
      if (limiter.max - window.count < budget) {
        budget = limiter.max - window.count;
        if (budget <= 0) return { jobs: [], blockedUntil: window.end };
      }
    }
    if (budget <= 0) return { jobs: [] };
    const groupDefault = row.groupDefault ?? request.groupConcurrency ?? null;
    const jobs =
      row.grouped === 1
        ? this.groups.claim(request, budget, groupDefault, now).map((r) => toJobRecord(r, this.codec)) // in rotation order
        : this.lifecycle.claim({ ...request, limit: budget }, now);
    if (window === undefined || jobs.length === 0) return { jobs };
    const count = window.count + jobs.length;
    this.s.window.run(window.start, count, request.queue);
    return count >= limiter!.max ? { jobs, blockedUntil: window.end } : { jobs };
  }
}
