import type { RemoveOutcome } from '../../../core/application/ports/job-repository.port.js';
import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import type { SqliteDb } from './sqlite-database.js';
import type { SqliteQueueCounters } from './sqlite-queue-counters.js';
import { SqliteDeadLetters } from './sqlite-dead-letters.js';
import { SqliteDependencyResolver } from './sqlite-dependency-resolver.js';

interface Node {
  queue: string;
  job_id: string;
  state: string;
}

/**
 * `remove(id)` of a job together with its flow subtree (children, grandchildren… in any queue), as BullMQ
 * does. Nothing is removed when a job of the subtree is active (locked by a worker). Parents outside the
 * subtree that were waiting for a removed job stop waiting for it (and run when it was the last one).
 */
export class SqliteFlowRemoval {
  private readonly s;
  private readonly resolver: SqliteDependencyResolver;

  constructor(db: SqliteDb, counters: SqliteQueueCounters, codec: PayloadCodec) {
    this.resolver = new SqliteDependencyResolver(db, counters, new SqliteDeadLetters(db, counters, codec), codec);
    this.s = {
      root: db.prepare<[string, string], Node>('SELECT queue, job_id, state FROM jobs WHERE queue = ? AND job_id = ?'),
      // parent_id = ? implies the jobs_parent index's `parent_id IS NOT NULL`.
      children: db.prepare<[string, string], Node>('SELECT queue, job_id, state FROM jobs WHERE parent_queue = ? AND parent_id = ?'),
      // The trigger jobs_drop_parent_edges (drizzle/0001) deletes the job's edges as a parent with it.
      remove: db.prepare('DELETE FROM jobs WHERE queue = ? AND job_id = ?'),
    };
  }

  remove(queue: string, id: string, now: number): RemoveOutcome {
    const root = this.s.root.get(queue, id);
    if (root === undefined) return 'missing';
    const subtree = [root];
    for (let i = 0; i < subtree.length; i++) {
      if (subtree[i].state === 'active') return 'locked';
      subtree.push(...this.s.children.all(subtree[i].queue, subtree[i].job_id));
    }
    for (const node of subtree) this.s.remove.run(node.queue, node.job_id);
    // Released parents are found by workers at their next idle check; no event is owed for them here.
    const effects: QueueEventRecord[] = [];
    for (const node of subtree) this.resolver.removed(node.queue, node.job_id, now, effects);
    return 'removed';
  }
}
