import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import type { DependencyKind } from '../../../core/domain/job/dependency-policy.js';
import { toJobRecord, type JobRow } from '../drizzle/job-row.mapper.js';
import { READY_STATE_OF_ROW } from '../drizzle/sql-fragments.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import type { PgStore } from './pg-store.js';
import { PG_RESEQUENCE, type PgQueueCounters } from './pg-queue-counters.js';
import type { PgDeadLetters } from './pg-dead-letters.js';
import { pgSql } from './pg-statement.js';

interface Edge {
  parent_queue: string;
  parent_id: string;
  kind: DependencyKind;
}

/** One dependency edge, by its four key columns. */
const EDGE = `parent_queue = @pq AND parent_id = @pid AND child_queue = @cq AND child_id = @cid`;

/**
 * Resolves the parents of a job that just finished, inside the transaction that finished it: the twin
 * of SqliteDependencyResolver (see there for the invariant on `pending_deps`). Concurrent children of
 * one parent finishing in several processes are safe: each decrement is one UPDATE … RETURNING on the
 * parent's row (its lock serialises them), so exactly one of them sees 0 and releases the parent.
 */
export class PgDependencyResolver {
  private readonly s = {
    pendingEdges: pgSql<Edge>(
      `SELECT parent_queue, parent_id, kind FROM job_dependencies WHERE child_queue = @queue AND child_id = @id AND status = 'pending'`,
    ),
    setEdge: pgSql(`UPDATE job_dependencies SET status = @status, value = @value WHERE ${EDGE}`),
    dropEdge: pgSql(`DELETE FROM job_dependencies WHERE ${EDGE}`),
    resolveOne: pgSql<{ pending_deps: number }>(
      `UPDATE jobs SET pending_deps = pending_deps - 1 WHERE queue = @queue AND job_id = @id RETURNING pending_deps`,
    ),
    // A parent with a delay waits it out after its children, as in BullMQ.
    release: pgSql<{ state: string; run_at: number | null }>(
      `UPDATE jobs SET state = CASE WHEN delay > 0 THEN 'delayed' ELSE ${READY_STATE_OF_ROW} END,
              run_at = CASE WHEN delay > 0 THEN @now::bigint + delay END, seq = ${PG_RESEQUENCE}
       WHERE queue = @queue AND job_id = @id AND state = 'waiting-children' RETURNING state, run_at`,
    ),
    failWaiting: pgSql<JobRow>(
      `UPDATE jobs SET state = 'failed', failed_reason = @reason, finished_on = @now
       WHERE queue = @queue AND job_id = @id AND state = 'waiting-children' RETURNING *`,
    ),
  };

  constructor(
    private readonly store: PgStore,
    private readonly counters: PgQueueCounters,
    private readonly deadLetters: PgDeadLetters,
    private readonly codec: PayloadCodec,
  ) {}

  async completed(queue: string, id: string, valueJson: string, now: number, effects: QueueEventRecord[]): Promise<void> {
    const ex = this.store.tx.ex;
    for (const e of await this.s.pendingEdges.all(ex, { queue, id })) {
      await this.s.setEdge.run(ex, { ...this.ref(e, queue, id), status: 'processed', value: valueJson });
      await this.resolve(e.parent_queue, e.parent_id, now, effects);
    }
  }

  /** The job failed for good: each parent reacts as its edge's kind says (dependency-policy.ts). */
  async failed(queue: string, id: string, reason: string, now: number, effects: QueueEventRecord[]): Promise<void> {
    const ex = this.store.tx.ex;
    const reasonJson = JSON.stringify(reason);
    for (const e of await this.s.pendingEdges.all(ex, { queue, id })) {
      const ref = this.ref(e, queue, id);
      const parent = { queue: e.parent_queue, id: e.parent_id };
      switch (e.kind) {
        case 'child':
          continue;
        case 'ignore':
          await this.s.setEdge.run(ex, { ...ref, status: 'ignored', value: reasonJson });
          await this.resolve(parent.queue, parent.id, now, effects);
          continue;
        case 'remove':
          await this.s.dropEdge.run(ex, ref);
          await this.resolve(parent.queue, parent.id, now, effects);
          continue;
        case 'continue-parent':
          await this.s.setEdge.run(ex, { ...ref, status: 'failed', value: reasonJson });
          await this.s.resolveOne.run(ex, parent);
          await this.release(parent.queue, parent.id, now, effects);
          continue;
        case 'fail-parent':
        case 'depends-on': {
          await this.s.setEdge.run(ex, { ...ref, status: 'failed', value: reasonJson });
          await this.s.resolveOne.run(ex, parent);
          // BullMQ's wording (without its key prefix).
          const what = e.kind === 'depends-on' ? 'dependency' : 'child';
          await this.failParent(parent.queue, parent.id, `${what} ${queue}:${id} failed`, now, effects);
        }
      }
    }
  }

  /** A job was removed before it finished: its parents stop waiting for it. */
  async removed(queue: string, id: string, now: number, effects: QueueEventRecord[]): Promise<void> {
    const ex = this.store.tx.ex;
    for (const e of await this.s.pendingEdges.all(ex, { queue, id })) {
      await this.s.dropEdge.run(ex, this.ref(e, queue, id));
      await this.resolve(e.parent_queue, e.parent_id, now, effects);
    }
  }

  private ref(e: Edge, queue: string, id: string) {
    return { pq: e.parent_queue, pid: e.parent_id, cq: queue, cid: id };
  }

  private async resolve(queue: string, id: string, now: number, effects: QueueEventRecord[]): Promise<void> {
    const row = await this.s.resolveOne.get(this.store.tx.ex, { queue, id });
    if (row !== undefined && row.pending_deps <= 0) await this.release(queue, id, now, effects);
  }

  private async release(queue: string, id: string, now: number, effects: QueueEventRecord[]): Promise<void> {
    const seq = await this.counters.nextSeq(queue);
    const row = await this.s.release.get(this.store.tx.ex, { queue, id, now, seq });
    if (row === undefined) return;
    const args = { jobId: id, prev: 'waiting-children' };
    effects.push(row.state === 'delayed' ? { queue, event: 'delayed', args: { ...args, delay: row.run_at } } : { queue, event: 'waiting', args });
  }

  private async failParent(queue: string, id: string, reason: string, now: number, effects: QueueEventRecord[]): Promise<void> {
    const row = await this.s.failWaiting.get(this.store.tx.ex, { queue, id, reason, now });
    if (row === undefined) return;
    effects.push({ queue, event: 'failed', args: { jobId: id, failedReason: reason, prev: 'waiting-children' } });
    await this.failed(queue, id, reason, now, effects);
    await this.deadLetters.copy(toJobRecord(row, this.codec), now, effects);
  }
}
