import type { JobRecord, NewJob } from '../../../core/application/ports/job-record.js';
import { childDependencyKind } from '../../../core/domain/job/dependency-policy.js';
import { ValidationError } from '../../../shared/bullite-error.js';
import type { SqliteDb } from './sqlite-database.js';

/** What a new job with `opts.parent` or `opts.dependsOn` links to, read before it is inserted. */
export interface LinkPlan {
  parent?: { queue: string; id: string };
  dependencies: { id: string; completed: boolean; returnvalue: string | null }[];
  /** Some dependency has not completed yet: the job starts in `waiting-children`. */
  waits: boolean;
}

/**
 * Creates the edges of a new job at insert time (same transaction): to its flow parent (a runtime child,
 * or a child of a FlowProducer tree) and to its `dependsOn` jobs. An unknown parent or dependency, or a
 * dependency that already failed, rejects the insert: nothing is stored.
 */
export class SqliteDependencyLinks {
  private readonly s;

  constructor(db: SqliteDb) {
    this.s = {
      job: db.prepare<[string, string], { state: string; returnvalue: string | null }>(
        'SELECT state, returnvalue FROM jobs WHERE queue = ? AND job_id = ?',
      ),
      edge: db.prepare(
        `INSERT INTO job_dependencies (parent_queue, parent_id, child_queue, child_id, status, kind, value)
         VALUES (@pq, @pid, @cq, @cid, @status, @kind, @value) ON CONFLICT DO NOTHING`,
      ),
      addPending: db.prepare('UPDATE jobs SET pending_deps = pending_deps + @n WHERE queue = @queue AND job_id = @id'),
    };
  }

  plan(job: NewJob, prefix: string): LinkPlan | undefined {
    const { parent, dependsOn } = job.opts;
    if (parent === undefined && (dependsOn === undefined || dependsOn.length === 0)) return undefined;
    if (parent !== undefined) {
      const state = this.s.job.get(parent.queue, parent.id)?.state;
      // BullMQ's wording.
      if (state === undefined) throw new ValidationError(`${prefix}opts.parent`, `Missing key for parent job ${parent.queue}:${parent.id}. addJob`);
      if (state === 'completed' || state === 'failed') {
        throw new ValidationError(`${prefix}opts.parent`, `Parent job ${parent.queue}:${parent.id} has already finished (${state})`);
      }
    }
    const dependencies = [...new Set(dependsOn ?? [])].map((id) => {
      const field = `${prefix}opts.dependsOn[${(dependsOn ?? []).indexOf(id)}]`;
      const row = this.s.job.get(job.queue, id);
      if (row === undefined) throw new ValidationError(field, `Missing dependency job ${job.queue}:${id}`);
      if (row.state === 'failed') throw new ValidationError(field, `Dependency job ${job.queue}:${id} has failed`);
      return { id, completed: row.state === 'completed', returnvalue: row.returnvalue };
    });
    return { parent, dependencies, waits: dependencies.some((d) => !d.completed) };
  }

  attach(record: JobRecord, plan: LinkPlan): void {
    const child = { cq: record.queue, cid: record.id };
    if (plan.parent !== undefined) {
      const { queue, id } = plan.parent;
      const edge = { pq: queue, pid: id, ...child, status: 'pending', kind: childDependencyKind(record.opts), value: null };
      if (this.s.edge.run(edge).changes === 1) this.s.addPending.run({ n: 1, queue, id });
    }
    let pending = 0;
    for (const dep of plan.dependencies) {
      const status = dep.completed ? 'processed' : 'pending';
      const edge = { pq: record.queue, pid: record.id, cq: record.queue, cid: dep.id, status, kind: 'depends-on', value: dep.completed ? dep.returnvalue : null };
      if (this.s.edge.run(edge).changes === 1 && !dep.completed) pending += 1;
    }
    if (pending > 0) this.s.addPending.run({ n: pending, queue: record.queue, id: record.id });
  }
}
