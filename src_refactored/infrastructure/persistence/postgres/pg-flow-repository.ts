import type {
  DependencyEntry,
  FlowNodeInput,
  FlowNodeResult,
  IFlowRepository,
  WaitingChildrenOutcome,
} from '../../../core/application/ports/flow-repository.port.js';
import type { JobRecord } from '../../../core/application/ports/job-record.js';
import type { LockRef } from '../../../core/application/ports/job-repository.port.js';
import type { DependencyStatus } from '../../../core/domain/job/dependency-policy.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import { toJobRecord, type JobRow } from '../drizzle/job-row.mapper.js';
import { LOCK_FENCE, UNLOCKED } from '../drizzle/sql-fragments.js';
import { PgJobWriter } from './pg-job-writer.js';
import { PgQueueCounters } from './pg-queue-counters.js';
import { pgSql } from './pg-statement.js';
import type { PgStore } from './pg-store.js';

interface EdgeRow {
  child_queue: string;
  child_id: string;
  status: DependencyStatus;
  value: string | null;
}

/** IFlowRepository on PostgreSQL (twin of SqliteFlowRepository): flow trees, dependency reads, moveToWaitingChildren. */
export class PgFlowRepository implements IFlowRepository {
  private readonly writer: PgJobWriter;
  private readonly s;

  constructor(
    private readonly store: PgStore,
    private readonly codec: PayloadCodec,
  ) {
    this.writer = new PgJobWriter(store, new PgQueueCounters(store), codec);
    this.s = {
      // In primary-key order (parent, child_queue, child_id), as the SQLite table returns them.
      edges: pgSql<EdgeRow>(
        `SELECT child_queue, child_id, status, value FROM job_dependencies WHERE parent_queue = @queue AND parent_id = @id
         ORDER BY child_queue, child_id`,
      ),
      // LIMIT NULL is "no limit" (the service passes -1 for all).
      children: pgSql<JobRow>('SELECT * FROM jobs WHERE parent_queue = @queue AND parent_id = @id ORDER BY id LIMIT @limit::bigint'),
      // No pending dependency left (all children already finished): the job stays active, as BullMQ.
      toWaitingChildren: pgSql(`UPDATE jobs SET state = 'waiting-children', ${UNLOCKED} WHERE ${LOCK_FENCE} AND pending_deps > 0 RETURNING 1`),
      /**
       * Locks the parent row: a child failing in another process decrements the parent's pending_deps
       * (an UPDATE of this row) after marking its edge, so it either finishes first (failedChild then
       * sees its edge) or waits for this transaction and then finds the parent in waiting-children.
       */
      held: pgSql(`SELECT 1 AS one FROM jobs WHERE ${LOCK_FENCE} FOR UPDATE`),
      // A child that would have failed this parent failed while the parent was still running.
      failedChild: pgSql(
        `SELECT 1 AS one FROM job_dependencies WHERE parent_queue = @queue AND parent_id = @id
           AND status = 'failed' AND kind IN ('fail-parent', 'depends-on') LIMIT 1`,
      ),
    };
  }

  insertFlows(flows: readonly FlowNodeInput[], now: number): Promise<FlowNodeResult[]> {
    return this.store.tx.write(async () => {
      const results: FlowNodeResult[] = [];
      for (const flow of flows) results.push(await this.insertNode(flow, undefined, now));
      return results;
    });
  }

  /** Parent first (in waiting-children), then its children pointing at it: the writer links them. */
  private async insertNode(node: FlowNodeInput, parent: { queue: string; id: string } | undefined, now: number): Promise<FlowNodeResult> {
    const opts = parent === undefined ? node.job.opts : { ...node.job.opts, parent };
    const [result] = await this.writer.insert([{ ...node.job, opts, waitChildren: node.children.length > 0 }], now);
    if (result.duplicated) return { result, children: [] };
    const ref = { queue: result.record.queue, id: result.record.id };
    // One transaction runs its statements one after the other.
    const children: FlowNodeResult[] = [];
    for (const child of node.children) children.push(await this.insertNode(child, ref, now));
    return { result, children };
  }

  dependencies(queue: string, id: string): Promise<DependencyEntry[]> {
    return this.store.tx.read(async () =>
      (await this.s.edges.all(this.store.tx.ex, { queue, id })).map((e) => ({
        queue: e.child_queue,
        id: e.child_id,
        status: e.status,
        // A processed edge holds the child's return value as stored (encoded); failures hold a plain reason.
        value: e.value === null ? null : JSON.parse(e.status === 'processed' ? this.codec.decode('returnvalue', e.value) : e.value),
      })),
    );
  }

  children(queue: string, id: string, limit: number): Promise<JobRecord[]> {
    return this.store.tx.read(async () => {
      const rows = await this.s.children.all(this.store.tx.ex, { queue, id, limit: limit < 0 ? null : limit });
      return rows.map((row) => toJobRecord(row, this.codec));
    });
  }

  moveToWaitingChildren(lock: LockRef): Promise<WaitingChildrenOutcome> {
    return this.store.tx.write(async () => {
      const ex = this.store.tx.ex;
      const params = { ...lock };
      if ((await this.s.held.get(ex, params)) === undefined) return 'lock-lost';
      if ((await this.s.failedChild.get(ex, params)) !== undefined) return 'failed-child';
      return (await this.s.toWaitingChildren.all(ex, params)).length === 1 ? 'moved' : 'no-pending';
    });
  }
}
