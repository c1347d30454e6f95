import { afterEach, describe, expect, it } from 'vitest';
import type { FlowNodeInput } from '../../src_refactored/core/application/ports/flow-repository.port.js';
import { buildNewJob } from '../../src_refactored/core/application/services/new-job.js';
import type { JobsOptions } from '../../src_refactored/core/domain/job/job-options.js';
import { plainCodec } from '../../src_refactored/infrastructure/persistence/codec/payload-codec.js';
import { PgFlowRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-flow-repository.js';
import { activate, rowOf } from './pg-job-seeding.js';
import { BACKENDS, TestStores } from './pg-test-stores.js';

const Q = 'flows';
const NOW = 10_000;

const node = (name: string, children: FlowNodeInput[] = [], opts: JobsOptions = {}, queue = Q): FlowNodeInput => ({
  job: buildNewJob(queue, name, JSON.stringify({ name }), opts),
  children,
});

describe.each(BACKENDS)('PgFlowRepository on %s', (backend) => {
  let stores: TestStores;
  afterEach(() => stores.close());
  const open = () => {
    stores = new TestStores(backend);
    const store = stores.open();
    return { store, flows: new PgFlowRepository(store, plainCodec) };
  };

  it('inserts a tree parent first, children pointing at their parent, across queues', async () => {
    const { store, flows } = open();
    const [tree] = await flows.insertFlows([node('root', [node('a', [node('a1')]), node('b', [], {}, 'other')])], NOW);
    const root = tree.result.record;
    expect(root.state).toBe('waiting-children');
    expect(tree.children.map((c) => c.result.record.name)).toEqual(['a', 'b']);
    expect(tree.children[0].result.record).toMatchObject({ state: 'waiting-children', parent: { queue: Q, id: root.id } });
    expect(tree.children[0].children[0].result.record).toMatchObject({ name: 'a1', state: 'waiting' });

    const deps = await flows.dependencies(Q, root.id);
    expect(deps.map((d) => [d.queue, d.status, d.value])).toEqual([
      ['flows', 'pending', null],
      ['other', 'pending', null],
    ]);
    expect((await flows.children(Q, root.id, -1)).map((c) => c.name)).toEqual(['a', 'b']);
    expect((await flows.children(Q, root.id, 1)).map((c) => c.name)).toEqual(['a']);

    // A processed edge carries the child's return value.
    await store.connection.query(`UPDATE job_dependencies SET status = 'processed', value = '{"ok":1}' WHERE child_queue = 'other'`);
    expect((await flows.dependencies(Q, root.id)).find((d) => d.queue === 'other')?.value).toEqual({ ok: 1 });
  });

  it('a duplicated custom id keeps the stored job and does not add its children again', async () => {
    const { flows } = open();
    await flows.insertFlows([node('root', [node('c')], { jobId: 'fixed' })], NOW);
    const [again] = await flows.insertFlows([node('root', [node('c2')], { jobId: 'fixed' })], NOW);
    expect(again.result.duplicated).toBe(true);
    expect(again.children).toEqual([]);
    expect((await flows.children(Q, 'fixed', -1)).map((c) => c.name)).toEqual(['c']);
  });

  it('moveToWaitingChildren: moved with pending children, else no-pending, lock-lost or failed-child', async () => {
    const { store, flows } = open();
    const addParentWithChild = async (childOpts: JobsOptions, token: string) => {
      const [tree] = await flows.insertFlows([node('p', [node('c', [], childOpts)])], NOW);
      const parent = tree.result.record.id;
      // The parent runs while its child is pending: its processor then asks to wait for the children.
      await store.connection.query(`UPDATE jobs SET state = 'waiting' WHERE queue = $1 AND job_id = $2`, [Q, parent]);
      await activate(store, Q, parent, token);
      return { parent, child: tree.children[0].result.record.id };
    };

    const one = await addParentWithChild({}, 't1');
    expect(await flows.moveToWaitingChildren({ queue: Q, id: one.parent, token: 'wrong' })).toBe('lock-lost');
    expect(await flows.moveToWaitingChildren({ queue: Q, id: one.parent, token: 't1' })).toBe('moved');
    expect(await rowOf(store, Q, one.parent)).toMatchObject({ state: 'waiting-children', lock_token: null });

    const two = await addParentWithChild({}, 't2');
    await store.connection.query(`UPDATE jobs SET pending_deps = 0 WHERE queue = $1 AND job_id = $2`, [Q, two.parent]);
    expect(await flows.moveToWaitingChildren({ queue: Q, id: two.parent, token: 't2' })).toBe('no-pending');
    expect((await rowOf(store, Q, two.parent)).state).toBe('active');

    const three = await addParentWithChild({ failParentOnFailure: true }, 't3');
    await store.connection.query(`UPDATE job_dependencies SET status = 'failed' WHERE child_queue = $1 AND child_id = $2`, [Q, three.child]);
    expect(await flows.moveToWaitingChildren({ queue: Q, id: three.parent, token: 't3' })).toBe('failed-child');
  });
});
