import type { JobRecord, NewJob } from '../../../core/application/ports/job-record.js';
import { childDependencyKind } from '../../../core/domain/job/dependency-policy.js';
import { ValidationError } from '../../../shared/bullite-error.js';
import type { LinkPlan } from '../drizzle/sqlite-dependency-links.js';
import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';

interface StateRow {
  state: string;
  returnvalue: string | null;
}

/**
 * Creates the edges of a new job at insert time, the twin of SqliteDependencyLinks (same rules and
 * messages). The rows `plan` checks stay locked until the insert commits: the parent FOR UPDATE (its
 * pending count is raised here), each dependency by raising its `dependents`. Otherwise a parent could finish, or a
 * dependency complete and resolve its edges, between the check and the commit of the new edge, and the
 * new job would wait for ever.
 */
export class PgDependencyLinks {
  private readonly s = {
    parent: pgSql<StateRow>('SELECT state, returnvalue FROM jobs WHERE queue = @queue AND job_id = @id FOR UPDATE'),
    // An UPDATE, not FOR SHARE: a completion waiting on this row then sees dependents > 0 (see jobs.table.ts).
    dependency: pgSql<StateRow>('UPDATE jobs SET dependents = dependents + 1 WHERE queue = @queue AND job_id = @id RETURNING state, returnvalue'),
    edge: pgSql(
      `INSERT INTO job_dependencies (parent_queue, parent_id, child_queue, child_id, status, kind, value)
       VALUES (@pq, @pid, @cq, @cid, @status, @kind, @value) ON CONFLICT DO NOTHING RETURNING 1`,
    ),
    addPending: pgSql('UPDATE jobs SET pending_deps = pending_deps + @n WHERE queue = @queue AND job_id = @id'),
  };

  constructor(private readonly store: PgStore) {}

  async plan(job: NewJob, prefix: string): Promise<LinkPlan | undefined> {
    const { parent, dependsOn } = job.opts;
    if (parent === undefined && (dependsOn === undefined || dependsOn.length === 0)) return undefined;
    const ex = this.store.tx.ex;
    if (parent !== undefined) {
      const state = (await this.s.parent.get(ex, { queue: parent.queue, id: parent.id }))?.state;
      // BullMQ's wording.
      if (state === undefined) throw new ValidationError(`${prefix}opts.parent`, `Missing key for parent job ${parent.queue}:${parent.id}. addJob`);
      if (state === 'completed' || state === 'failed') {
        throw new ValidationError(`${prefix}opts.parent`, `Parent job ${parent.queue}:${parent.id} has already finished (${state})`);
      }
    }
    const dependencies: LinkPlan['dependencies'] = [];
    for (const id of new Set(dependsOn ?? [])) {
      const field = `${prefix}opts.dependsOn[${(dependsOn ?? []).indexOf(id)}]`;
      const row = await this.s.dependency.get(ex, { queue: job.queue, id });
      if (row === undefined) throw new ValidationError(field, `Missing dependency job ${job.queue}:${id}`);
      if (row.state === 'failed') throw new ValidationError(field, `Dependency job ${job.queue}:${id} has failed`);
      dependencies.push({ id, completed: row.state === 'completed', returnvalue: row.returnvalue });
    }
    return { parent, dependencies, waits: dependencies.some((d) => !d.completed) };
  }

  async attach(record: JobRecord, plan: LinkPlan): Promise<void> {
    const ex = this.store.tx.ex;
    const child = { cq: record.queue, cid: record.id };
    if (plan.parent !== undefined) {
      const { queue, id } = plan.parent;
      const edge = { pq: queue, pid: id, ...child, status: 'pending', kind: childDependencyKind(record.opts), value: null };
      if ((await this.s.edge.all(ex, edge)).length === 1) await this.s.addPending.run(ex, { n: 1, queue, id });
    }
    let pending = 0;
    for (const dep of plan.dependencies) {
      const status = dep.completed ? 'processed' : 'pending';
      const edge = { pq: record.queue, pid: record.id, cq: record.queue, cid: dep.id, status, kind: 'depends-on', value: dep.completed ? dep.returnvalue : null };
      if ((await this.s.edge.all(ex, edge)).length === 1 && !dep.completed) pending += 1;
    }
    if (pending > 0) await this.s.addPending.run(ex, { n: pending, queue: record.queue, id: record.id });
  }
}
