import type { RemoveOutcome } from '../../../core/application/ports/job-repository.port.js';
import type { QueueEventRecord } from '../../../core/application/ports/event-bus.port.js';
import type { PayloadCodec } from '../codec/payload-codec.js';
import type { PgStore } from './pg-store.js';
import type { PgQueueCounters } from './pg-queue-counters.js';
import { PgDeadLetters } from './pg-dead-letters.js';
import { PgDependencyResolver } from './pg-dependency-resolver.js';
import { pgSql } from './pg-statement.js';

interface Node {
  queue: string;
  job_id: string;
  state: string;
}

/**
 * `remove(id)` of a job together with its flow subtree, the twin of SqliteFlowRemoval. The subtree's rows
 * are locked as they are read (FOR UPDATE): a worker in another process cannot claim one of them after the
 * "nothing is active" check (claims skip locked rows), and a child added meanwhile waits for the removal
 * and then finds its parent gone.
 */
export class PgFlowRemoval {
  private readonly resolver: PgDependencyResolver;
  private readonly s = {
    root: pgSql<Node>('SELECT queue, job_id, state FROM jobs WHERE queue = @queue AND job_id = @id FOR UPDATE'),
    // parent_id = @id implies the jobs_parent index's `parent_id IS NOT NULL`.
    children: pgSql<Node>('SELECT queue, job_id, state FROM jobs WHERE parent_queue = @queue AND parent_id = @id FOR UPDATE'),
    // The trigger jobs_after_delete (migration 0001) deletes the job's edges as a parent with it.
    remove: pgSql('DELETE FROM jobs WHERE queue = @queue AND job_id = @id'),
  };

  constructor(
    private readonly store: PgStore,
    counters: PgQueueCounters,
    codec: PayloadCodec,
  ) {
    this.resolver = new PgDependencyResolver(store, counters, new PgDeadLetters(store, counters, codec), codec);
  }

  async remove(queue: string, id: string, now: number): Promise<RemoveOutcome> {
    const ex = this.store.tx.ex;
    const root = await this.s.root.get(ex, { queue, id });
    if (root === undefined) return 'missing';
    const subtree = [root];
    for (let i = 0; i < subtree.length; i++) {
      if (subtree[i].state === 'active') return 'locked';
      subtree.push(...(await this.s.children.all(ex, { queue: subtree[i].queue, id: subtree[i].job_id })));
    }
    for (const node of subtree) await this.s.remove.run(ex, { queue: node.queue, id: node.job_id });
    // Released parents are found by workers at their next idle check; no event is owed for them here.
    const effects: QueueEventRecord[] = [];
    for (const node of subtree) await this.resolver.removed(node.queue, node.job_id, now, effects);
    return 'removed';
  }
}
