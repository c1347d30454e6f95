import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import type { DependencyKind } from '../../../core/domain/job/dependency-policy.js';
import type { SqliteDb } from './sqlite-database.js';
import type { SqliteQueueCounters } from './sqlite-queue-counters.js';
import type { SqliteDeadLetters } from './sqlite-dead-letters.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import { toJobRecord, type JobRow } from './job-row.mapper.js';
import { JOB_COLUMNS, READY_STATE_OF_ROW, RESEQUENCE } from './sql-fragments.js';

interface Edge {
  parent_queue: string;
  parent_id: string;
  kind: DependencyKind;
}

/** One dependency edge, by its four key columns. */
const EDGE = `parent_queue = @pq AND parent_id = @pid AND child_queue = @cq AND child_id = @cid`;

/**
 * Resolves the parents (flow parents and `dependsOn` dependents) of a job that just finished, inside the
 * transaction that finished it. Only called for jobs that have such an edge, so a plain job pays nothing.
 * Invariant: `jobs.pending_deps` = number of the job's edges still `pending`; a parent in `waiting-children`
 * moves on when it reaches 0 (waiting-children → waiting/prioritized/delayed, or → failed).
 */
export class SqliteDependencyResolver {
  private readonly s;

  constructor(
    db: SqliteDb,
    private readonly counters: SqliteQueueCounters,
    private readonly deadLetters: SqliteDeadLetters,
    private readonly codec: PayloadCodec,
  ) {
    this.s = {
      pendingEdges: db.prepare<[string, string], Edge>(
        `SELECT parent_queue, parent_id, kind FROM job_dependencies WHERE child_queue = ? AND child_id = ? AND status = 'pending'`,
      ),
      setEdge: db.prepare(`UPDATE job_dependencies SET status = @status, value = @value WHERE ${EDGE}`),
      dropEdge: db.prepare(`DELETE FROM job_dependencies WHERE ${EDGE}`),
      resolveOne: db.prepare<[string, string], { pending_deps: number }>(
        `UPDATE jobs SET pending_deps = pending_deps - 1 WHERE queue = ? AND job_id = ? RETURNING pending_deps`,
      ),
      // A parent with a delay waits it out after its children, as in BullMQ.
      release: db.prepare<Record<string, unknown>, { state: string; run_at: number | null }>(
        `UPDATE jobs SET state = CASE WHEN delay > 0 THEN 'delayed' ELSE ${READY_STATE_OF_ROW} END,
                run_at = CASE WHEN delay > 0 THEN @now + delay END, seq = ${RESEQUENCE}
         WHERE queue = @queue AND job_id = @id AND state = 'waiting-children' RETURNING state, run_at`,
      ),
      failWaiting: db.prepare<Record<string, unknown>, JobRow>(
        `UPDATE jobs SET state = 'failed', failed_reason = @reason, finished_on = @now
         WHERE queue = @queue AND job_id = @id AND state = 'waiting-children' RETURNING ${JOB_COLUMNS}`,
      ),
    };
  }

  completed(queue: string, id: string, valueJson: string, now: number, effects: QueueEventRecord[]): void {
    for (const e of this.s.pendingEdges.all(queue, id)) {
      this.s.setEdge.run({ ...this.ref(e, queue, id), status: 'processed', value: valueJson });
      this.resolve(e.parent_queue, e.parent_id, now, effects);
    }
  }

  /** The job failed for good: each parent reacts as its edge's kind says (dependency-policy.ts). */
  failed(queue: string, id: string, reason: string, now: number, effects: QueueEventRecord[]): void {
    const reasonJson = JSON.stringify(reason);
    for (const e of this.s.pendingEdges.all(queue, id)) {
      const ref = this.ref(e, queue, id);
      switch (e.kind) {
        case 'child':
          continue;
        case 'ignore':
          this.s.setEdge.run({ ...ref, status: 'ignored', value: reasonJson });
          this.resolve(e.parent_queue, e.parent_id, now, effects);
          continue;
        case 'remove':
          this.s.dropEdge.run(ref);
          this.resolve(e.parent_queue, e.parent_id, now, effects);
          continue;
        case 'continue-parent':
          this.s.setEdge.run({ ...ref, status: 'failed', value: reasonJson });
          this.s.resolveOne.get(e.parent_queue, e.parent_id);
          this.release(e.parent_queue, e.parent_id, now, effects);
          continue;
        case 'fail-parent':
        case 'depends-on': {
          this.s.setEdge.run({ ...ref, status: 'failed', value: reasonJson });
          this.s.resolveOne.get(e.parent_queue, e.parent_id);
          // BullMQ's wording (without its key prefix).
          const what = e.kind === 'depends-on' ? 'dependency' : 'child';
          this.failParent(e.parent_queue, e.parent_id, `${what} ${queue}:${id} failed`, now, effects);
        }
      }
    }
  }

  /** A job was removed before it finished: its parents stop waiting for it. */
  removed(queue: string, id: string, now: number, effects: QueueEventRecord[]): void {
    for (const e of this.s.pendingEdges.all(queue, id)) {
      this.s.dropEdge.run(this.ref(e, queue, id));
      this.resolve(e.parent_queue, e.parent_id, now, effects);
    }
  }

  private ref(e: Edge, queue: string, id: string) {
    return { pq: e.parent_queue, pid: e.parent_id, cq: queue, cid: id };
  }

  private resolve(queue: string, id: string, now: number, effects: QueueEventRecord[]): void {
    const row = this.s.resolveOne.get(queue, id);
    if (row !== undefined && row.pending_deps <= 0) this.release(queue, id, now, effects);
  }

  private release(queue: string, id: string, now: number, effects: QueueEventRecord[]): void {
    const row = this.s.release.get({ queue, id, now, seq: this.counters.nextSeq(queue) });
    if (row === undefined) return;
    const args = { jobId: id, prev: 'waiting-children' };
    effects.push(row.state === 'delayed' ? { queue, event: 'delayed', args: { ...args, delay: row.run_at } } : { queue, event: 'waiting', args });
  }

  private failParent(queue: string, id: string, reason: string, now: number, effects: QueueEventRecord[]): void {
    const row = this.s.failWaiting.get({ queue, id, reason, now });
    if (row === undefined) return;
    effects.push({ queue, event: 'failed', args: { jobId: id, failedReason: reason, prev: 'waiting-children' } });
    this.failed(queue, id, reason, now, effects);
    this.deadLetters.copy(toJobRecord(row, this.codec), now, effects);
  }
}
