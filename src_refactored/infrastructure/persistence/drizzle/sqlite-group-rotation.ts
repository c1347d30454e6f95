import type { ClaimRequest } from '../../../core/application/ports/job-record.js';
import type { SqliteDb } from './sqlite-database.js';
import type { JobRow } from './job-row.mapper.js';
import { JOB_COLUMNS, READY } from './sql-fragments.js';
import { LOCK_CLAIMED_SQL, claimLocker } from './sqlite-claim-lock.js';

/** The rotation row standing for a grouped queue's ungrouped jobs (group ids are never empty). */
const UNGROUPED = '';

/** The partial index jobs_ready_group is only used when a query repeats its WHERE term literally. */
const READY_GROUPED = `queue = @queue AND ${READY} AND group_id IS NOT NULL`;

/** A candidate group's limit: its override, else the default (@groupDefault), NULL for none. */
const GROUP_LIMIT = `COALESCE((SELECT concurrency FROM queue_groups g WHERE g.queue = @queue AND g.group_id = ready.id), @groupDefault)`;

/**
 * Group-aware claims (`opts.group`): among the groups that have a ready job and are under their limit
 * (override in queue_groups, else the queue's or worker's default, else none), each claim takes the one
 * whose last claim is oldest, so one busy tenant cannot starve the others. Ungrouped jobs take their turn
 * like one more group without a limit.
 *
 * Only groups with a ready job are visited: a recursive walk of jobs_ready_group jumps from one group id
 * to the next (one index seek per group), so groups that ran long ago and have nothing ready cost nothing.
 * One walk serves a whole claim batch: the candidates are ordered once in memory and each pick moves its
 * group to the back. Cost per claim call: O(groups with a ready job), independent of history.
 */
export class SqliteGroupRotation {
  private readonly s;

  constructor(db: SqliteDb) {
    this.s = {
      note: db.prepare(`INSERT OR IGNORE INTO group_rotation (queue, group_id) VALUES (?, ?), (?, '${UNGROUPED}')`),
      candidates: db.prepare<Record<string, unknown>, { groupId: string; lastClaim: number; free: number | null }>(
        `WITH RECURSIVE ready(id) AS (
           SELECT (SELECT group_id FROM jobs WHERE ${READY_GROUPED} ORDER BY group_id LIMIT 1)
           UNION ALL
           SELECT (SELECT group_id FROM jobs WHERE ${READY_GROUPED} AND group_id > ready.id ORDER BY group_id LIMIT 1)
           FROM ready WHERE ready.id IS NOT NULL)
         SELECT id AS groupId,
                COALESCE((SELECT last_claim FROM group_rotation r WHERE r.queue = @queue AND r.group_id = ready.id), 0) AS lastClaim,
                ${GROUP_LIMIT} - (SELECT count(*) FROM jobs a WHERE a.queue = @queue AND a.state = 'active' AND a.group_id = ready.id) AS free
         FROM ready
         WHERE id IS NOT NULL`,
      ),
      groupHead: db.prepare<Record<string, unknown>, { id: number }>(
        `SELECT id FROM jobs WHERE ${READY_GROUPED} AND group_id = @groupId ORDER BY priority, seq LIMIT 1`,
      ),
      ungroupedHead: db.prepare<Record<string, unknown>, { id: number; lastClaim: number | null }>(
        `SELECT id, (SELECT last_claim FROM group_rotation WHERE queue = @queue AND group_id = '${UNGROUPED}') AS lastClaim
         FROM jobs WHERE queue = @queue AND ${READY} AND group_id IS NULL ORDER BY priority, seq LIMIT 1`,
      ),
      readyRow: db.prepare<[number], JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ? AND ${READY}`),
      lock: db.prepare<unknown[]>(LOCK_CLAIMED_SQL),
      touch: db.prepare(
        `INSERT INTO group_rotation (queue, group_id, last_claim)
         VALUES (@queue, @groupId, (SELECT COALESCE(max(last_claim), 0) + 1 FROM group_rotation WHERE queue = @queue))
         ON CONFLICT (queue, group_id) DO UPDATE SET last_claim = excluded.last_claim`,
      ),
    };
  }

  /** A job of `groupId` was added: the queue now claims through the group-aware path. */
  noteGroup(queue: string, groupId: string): void {
    this.s.note.run(queue, groupId, queue);
  }

  /** Claims up to `budget` jobs in rotation order (returned in that order). */
  claim(request: ClaimRequest, budget: number, groupDefault: number | null, now: number): JobRow[] {
    const queue = request.queue;
    const lock = claimLocker(this.s.lock, request, now);
    const candidates = this.s.candidates
      .all({ queue, groupDefault })
      .map((c) => ({ groupId: c.groupId, lastClaim: c.lastClaim, free: c.free ?? Number.POSITIVE_INFINITY }))
      .filter((c) => c.free > 0);
    const ungrouped = this.s.ungroupedHead.get({ queue });
    if (ungrouped !== undefined) candidates.push({ groupId: UNGROUPED, lastClaim: ungrouped.lastClaim ?? 0, free: Number.POSITIVE_INFINITY });
    candidates.sort((a, b) => a.lastClaim - b.lastClaim); // stable: ties keep group-id order, ungrouped last
    const rows: JobRow[] = [];
    while (rows.length < budget && candidates.length > 0) {
      const group = candidates.shift()!;
      const head = group.groupId === UNGROUPED ? this.s.ungroupedHead.get({ queue }) : this.s.groupHead.get({ queue, groupId: group.groupId });
      if (head === undefined) continue; // no ready job left in this group
      const row = this.s.readyRow.get(head.id);
      if (row === undefined) continue;
      lock(row);
      this.s.touch.run({ queue, groupId: group.groupId });
      rows.push(row);
      group.free -= 1;
      if (group.free > 0) candidates.push(group); // served: to the back of the rotation
    }
    return rows;
  }
}
