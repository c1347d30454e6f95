import type { ClaimRequest } from '../../../core/application/ports/job-record.js';
import type { JobRow } from '../drizzle/job-row.mapper.js';
import { CLAIM_SET, READY, claimParams } from '../drizzle/sql-fragments.js';
import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';

/** The rotation row standing for a grouped queue's ungrouped jobs (group ids are never empty). */
const UNGROUPED = '';

/** The partial index jobs_ready_group is only used when a query repeats its WHERE term literally. */
const READY_GROUPED = `queue = @queue AND ${READY} AND group_id IS NOT NULL`;

/** A candidate group's limit: its override, else the default (@groupDefault), NULL for none. */
const GROUP_LIMIT = `COALESCE((SELECT concurrency FROM queue_groups g WHERE g.queue = @queue AND g.group_id = ready.id), @groupDefault::int)`;

/**
 * Group-aware claims (`opts.group`), the PostgreSQL twin of SqliteGroupRotation (see there for the
 * rotation itself: the oldest-served group with a ready job and a free slot goes first, ungrouped jobs
 * take their turn like one more group, one recursive index walk per claim batch).
 *
 * `claim` must run under the lock of the queue's `queues` row (PgJobClaimer takes it, FOR UPDATE, for
 * every limited claim): a group's free slots (its limit minus its active jobs) are counted and then
 * spent, and two processes claiming at once must not both spend the last slot. What SQLite gets from
 * BEGIN IMMEDIATE, that lock gives here: the grouped claims of one queue run one after another.
 */
export class PgGroupRotation {
  private readonly s;

  constructor(private readonly store: PgStore) {
    this.s = {
      note: pgSql(`INSERT INTO group_rotation (queue, group_id) VALUES (@queue, @groupId), (@queue, '${UNGROUPED}') ON CONFLICT DO NOTHING`),
      candidates: pgSql<{ groupId: string; lastClaim: number; free: number | null }>(
        `WITH RECURSIVE ready(id) AS (
           SELECT (SELECT group_id FROM jobs WHERE ${READY_GROUPED} ORDER BY group_id LIMIT 1)
           UNION ALL
           SELECT (SELECT group_id FROM jobs WHERE ${READY_GROUPED} AND group_id > ready.id ORDER BY group_id LIMIT 1)
           FROM ready WHERE ready.id IS NOT NULL)
         SELECT id AS "groupId",
                COALESCE((SELECT last_claim FROM group_rotation r WHERE r.queue = @queue AND r.group_id = ready.id), 0) AS "lastClaim",
                ${GROUP_LIMIT} - (SELECT count(*) FROM jobs a WHERE a.queue = @queue AND a.state = 'active' AND a.group_id = ready.id) AS free
         FROM ready
         WHERE id IS NOT NULL`,
      ),
      groupHead: pgSql<{ id: number }>(`SELECT id FROM jobs WHERE ${READY_GROUPED} AND group_id = @groupId ORDER BY priority, seq LIMIT 1`),
      ungroupedHead: pgSql<{ id: number; lastClaim: number | null }>(
        `SELECT id, (SELECT last_claim FROM group_rotation WHERE queue = @queue AND group_id = '${UNGROUPED}') AS "lastClaim"
         FROM jobs WHERE queue = @queue AND ${READY} AND group_id IS NULL ORDER BY priority, seq LIMIT 1`,
      ),
      claimRow: pgSql<JobRow>(`UPDATE jobs SET ${CLAIM_SET} WHERE id = @rowId AND ${READY} RETURNING *`),
      touch: pgSql(
        `INSERT INTO group_rotation (queue, group_id, last_claim)
         VALUES (@queue, @groupId, (SELECT COALESCE(max(last_claim), 0) + 1 FROM group_rotation WHERE queue = @queue))
         ON CONFLICT (queue, group_id) DO UPDATE SET last_claim = excluded.last_claim`,
      ),
    };
  }

  /** A job of `groupId` was added: the queue now claims through the group-aware path. */
  async noteGroup(queue: string, groupId: string): Promise<void> {
    await this.s.note.run(this.store.tx.ex, { queue, groupId });
  }

  /** Claims up to `budget` jobs in rotation order (returned in that order); under the queue row's lock. */
  async claim(request: ClaimRequest, budget: number, groupDefault: number | null, now: number): Promise<JobRow[]> {
    const ex = this.store.tx.ex;
    const queue = request.queue;
    const params = claimParams(request, now);
    const candidates = (await this.s.candidates.all(ex, { queue, groupDefault }))
      .map((c) => ({ groupId: c.groupId, lastClaim: c.lastClaim, free: c.free ?? Number.POSITIVE_INFINITY }))
      .filter((c) => c.free > 0);
    const ungrouped = await this.s.ungroupedHead.get(ex, { queue });
    if (ungrouped !== undefined) candidates.push({ groupId: UNGROUPED, lastClaim: ungrouped.lastClaim ?? 0, free: Number.POSITIVE_INFINITY });
    candidates.sort((a, b) => a.lastClaim - b.lastClaim); // stable: ties keep group-id order, ungrouped last
    const rows: JobRow[] = [];
    while (rows.length < budget && candidates.length > 0) {
      const group = candidates.shift()!;
      const head =
        group.groupId === UNGROUPED ? await this.s.ungroupedHead.get(ex, { queue }) : await this.s.groupHead.get(ex, { queue, groupId: group.groupId });
      if (head === undefined) continue; // no ready job left in this group
      const row = await this.s.claimRow.get(ex, { ...params, rowId: head.id });
      if (row === undefined) continue;
      await this.s.touch.run(ex, { queue, groupId: group.groupId });
      rows.push(row);
      group.free -= 1;
      if (group.free > 0) candidates.push(group); // served: to the back of the rotation
    }
    return rows;
  }
}
