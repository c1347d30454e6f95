import type { ClaimRequest } from '../../../core/application/ports/job-record.js';
import type { SqliteDb } from './sqlite-database.js';
import type { JobRow } from './job-row.mapper.js';
import { CLAIM_SET, READY, claimParams } from './sql-fragments.js';

/** The rotation row standing for a grouped queue's ungrouped jobs (group ids are never empty). */
const UNGROUPED = '';

/**
 * Group-aware claims (`opts.group`). Each pick is one statement: walk the queue's groups from the one
 * served longest ago (index group_rotation_order) and take the first that has a ready job and is under
 * its limit (override in queue_groups, else the queue's or worker's default, else unlimited). The
 * ungrouped jobs of the queue take their turn like one more group without a limit.
 */
export class SqliteGroupRotation {
  private readonly s;

  constructor(db: SqliteDb) {
    // The head lookups repeat jobs_ready_group's / jobs_ready's WHERE terms literally so the partial
    // indexes serve them (one index probe per group visited).
    const groupHead = `(SELECT id FROM jobs WHERE queue = @queue AND ${READY} AND group_id IS NOT NULL
                          AND group_id = r.group_id ORDER BY priority, seq LIMIT 1)`;
    const ungroupedHead = `(SELECT id FROM jobs WHERE queue = @queue AND ${READY} AND group_id IS NULL ORDER BY priority, seq LIMIT 1)`;
    const limit = `COALESCE((SELECT concurrency FROM queue_groups g WHERE g.queue = @queue AND g.group_id = r.group_id), @groupDefault)`;
    this.s = {
      note: db.prepare(`INSERT OR IGNORE INTO group_rotation (queue, group_id) VALUES (?, ?), (?, '${UNGROUPED}')`),
      pick: db.prepare<Record<string, unknown>, { groupId: string; head: number }>(
        `SELECT r.group_id AS groupId, CASE WHEN r.group_id = '${UNGROUPED}' THEN ${ungroupedHead} ELSE ${groupHead} END AS head
         FROM group_rotation r
         WHERE r.queue = @queue
           AND (r.group_id = '${UNGROUPED}' OR ${limit} IS NULL
                OR (SELECT count(*) FROM jobs a WHERE a.queue = @queue AND a.state = 'active' AND a.group_id = r.group_id) < ${limit})
           AND head IS NOT NULL
         ORDER BY r.last_claim LIMIT 1`,
      ),
      claimRow: db.prepare<Record<string, unknown>, JobRow>(`UPDATE jobs SET ${CLAIM_SET} WHERE id = @rowId AND ${READY} RETURNING *`),
      touch: db.prepare(
        `UPDATE group_rotation SET last_claim = (SELECT max(last_claim) + 1 FROM group_rotation WHERE queue = @queue)
         WHERE queue = @queue AND group_id = @groupId`,
      ),
    };
  }

  /** A job of `groupId` was added: the group (and the ungrouped pseudo-group) join the rotation. */
  noteGroup(queue: string, groupId: string): void {
    this.s.note.run(queue, groupId, queue);
  }

  /** Claims up to `budget` jobs, one pick per job, so each claim goes to the next group in turn. */
  claim(request: ClaimRequest, budget: number, groupDefault: number | null, now: number): JobRow[] {
    const params = claimParams(request, now);
    const rows: JobRow[] = [];
    while (rows.length < budget) {
      const pick = this.s.pick.get({ queue: request.queue, groupDefault });
      if (pick === undefined) break;
      const row = this.s.claimRow.get({ ...params, rowId: pick.head });
      if (row === undefined) break;
      this.s.touch.run({ queue: request.queue, groupId: pick.groupId });
      rows.push(row);
    }
    return rows;
  }
}
