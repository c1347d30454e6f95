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
import type { SqliteDb } from './sqlite-database.js';
import { SqliteJobWriter } from './sqlite-job-writer.js';
import { SqliteQueueCounters } from './sqlite-queue-counters.js';
import { SqliteTransactor } from './sqlite-transactor.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import { toJobRecord, type JobRow } from './job-row.mapper.js';
import { JOB_COLUMNS, LOCK_FENCE, UNLOCKED } from './sql-fragments.js';

interface EdgeRow {
  child_queue: string;
  child_id: string;
  status: DependencyStatus;
  value: string | null;
}

/** IFlowRepository on better-sqlite3: flow trees, dependency reads, moveToWaitingChildren. */
export class SqliteFlowRepository implements IFlowRepository {
  private readonly tx: SqliteTransactor;
  private readonly writer: SqliteJobWriter;
  private readonly s;

  constructor(
    db: SqliteDb,
    private readonly codec: PayloadCodec,
  ) {
    this.tx = new SqliteTransactor(db);
    this.writer = new SqliteJobWriter(db, new SqliteQueueCounters(db), codec);
    this.s = {
      // Read in primary-key order (parent, child_queue, child_id): no sort.
      edges: db.prepare<[string, string], EdgeRow>(
        'SELECT child_queue, child_id, status, value FROM job_dependencies WHERE parent_queue = ? AND parent_id = ?',
      ),
      children: db.prepare<[string, string, number], JobRow>(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE parent_queue = ? AND parent_id = ? ORDER BY id LIMIT ?`,
      ),
      // No pending dependency left (all children already finished): the job stays active, as BullMQ.
      toWaitingChildren: db.prepare(`UPDATE jobs SET state = 'waiting-children', ${UNLOCKED} WHERE ${LOCK_FENCE} AND pending_deps > 0`),
      held: db.prepare<LockRef, { one: number }>(`SELECT 1 AS one FROM jobs WHERE ${LOCK_FENCE}`),
      // A child that would have failed this parent failed while the parent was still running.
      failedChild: db.prepare<LockRef, { one: number }>(
        `SELECT 1 AS one FROM job_dependencies WHERE parent_queue = @queue AND parent_id = @id
           AND status = 'failed' AND kind IN ('fail-parent', 'depends-on') LIMIT 1`,
      ),
    };
  }

  insertFlows(flows: readonly FlowNodeInput[], now: number): Promise<FlowNodeResult[]> {
    return this.tx.write(() => flows.map((flow) => this.insertNode(flow, undefined, now)));
  }

  /** Parent first (in waiting-children), then its children pointing at it: the writer links them. */
  private insertNode(node: FlowNodeInput, parent: { queue: string; id: string } | undefined, now: number): FlowNodeResult {
    const opts = parent === undefined ? node.job.opts : { ...node.job.opts, parent };
    const [result] = this.writer.insert([{ ...node.job, opts, waitChildren: node.children.length > 0 }], now);
    if (result.duplicated) return { result, children: [] };
    const ref = { queue: result.record.queue, id: result.record.id };
    return { result, children: node.children.map((child) => this.insertNode(child, ref, now)) };
  }

  dependencies(queue: string, id: string): Promise<DependencyEntry[]> {
    return this.tx.read(() =>
      this.s.edges.all(queue, id).map((e) => ({
        queue: e.child_queue,
        id: e.child_id,
        status: e.status,
        // A processed edge holds the child's return value as stored (encoded); failures hold a plain reason.
        value: e.value === null ? null : JSON.parse(e.status === 'processed' ? this.codec.decode('returnvalue', e.value) : e.value),
      })),
    );
  }

  children(queue: string, id: string, limit: number): Promise<JobRecord[]> {
    return this.tx.read(() => this.s.children.all(queue, id, limit).map((row) => toJobRecord(row, this.codec)));
  }

  moveToWaitingChildren(lock: LockRef): Promise<WaitingChildrenOutcome> {
    return this.tx.write(() => {
      if (this.s.held.get(lock) === undefined) return 'lock-lost';
      if (this.s.failedChild.get(lock) !== undefined) return 'failed-child';
      return this.s.toWaitingChildren.run(lock).changes === 1 ? 'moved' : 'no-pending';
    });
  }
}
