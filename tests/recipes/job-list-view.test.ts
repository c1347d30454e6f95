import { afterEach, describe, expect, it } from 'vitest';
import { createJobListView, Queue, Worker, type JobListSnapshot } from '../../src_refactored/index.js';
import { until, freshStore, openSameStore } from '../support/engine-fixture.js';

describe('UI job list view model', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('pages through a filtered list and receives a live update when a job changes in another engine', async () => {
    const temp = await freshStore('ui.db');
    const path = temp.path;
    const ui = await openSameStore(path, { idleCheckInterval: 10 });
    const backend = await openSameStore(path, { idleCheckInterval: 10 });
    cleanups.push(temp.cleanup, () => ui.close(), () => backend.close());

    const queue = new Queue<{ customer: string }>('orders', { connection: backend });
    await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'order', data: { customer: i % 2 ? 'acme' : 'globex' } })));

    const view = createJobListView(ui, 'orders', { pageSize: 2, filter: { order: 'asc' } });
    cleanups.push(() => view.close());
    const snapshots: JobListSnapshot[] = [];
    view.subscribe((s) => snapshots.push(s));
    await until(() => snapshots.length > 0);
    expect(snapshots[0].rows.map((r) => r.id)).toEqual(['1', '2']);
    expect(snapshots[0]).toMatchObject({ page: 0, hasNext: true, hasPrevious: false, counts: { waiting: 5 } });

    expect((await view.nextPage()).rows.map((r) => r.id)).toEqual(['3', '4']);
    expect((await view.nextPage()).rows.map((r) => r.id)).toEqual(['5']);
    expect((await view.previousPage()).rows.map((r) => r.id)).toEqual(['3', '4']);

    const acme = await view.setFilter({ order: 'asc', dataQuery: { customer: 'acme' } });
    expect(acme.rows.map((r) => r.id)).toEqual(['2', '4']);
    expect(acme.page).toBe(0);

    // A worker in the other engine completes job 2: the view refreshes by itself.
    const worker = new Worker('orders', async () => 'shipped', { connection: backend });
    cleanups.push(() => worker.close());
    await until(() => view.current()!.rows.find((r) => r.id === '2')?.state === 'completed', 15_000);
    const live = view.current()!;
    expect(live.version).toBeGreaterThan(acme.version);
    expect(live.rows.find((r) => r.id === '2')).toMatchObject({ state: 'completed', attemptsMade: 1 });
    // Snapshots are plain data: they survive structured cloning (postMessage / Electron IPC).
    expect(structuredClone(live)).toEqual(live);
  });

  it('close waits for the refresh in flight, so the engine can close next; later calls fail with ERR_VIEW_CLOSED', async () => {
    const temp = await freshStore('ui-close.db');
    const engine = await openSameStore(temp.path, { idleCheckInterval: 10 });
    cleanups.push(temp.cleanup);
    await new Queue('orders', { connection: engine }).add('order', {});

    const view = createJobListView(engine, 'orders');
    const first = view.refresh();
    // A second call while one is in flight queues a follow-up query behind it.
    expect(view.refresh()).toBe(first);
    await view.close();
    expect((await first).rows.map((r) => r.id)).toEqual(['1']);
    // Closing the engine now must leave no query of the view running against it (on PostgreSQL that
    // query rejected after the pool ended: an unhandled rejection, which fails this run).
    await engine.close();
    await expect(view.refresh()).rejects.toMatchObject({ code: 'ERR_VIEW_CLOSED' });
    await expect(view.nextPage()).rejects.toMatchObject({ code: 'ERR_VIEW_CLOSED' });
  });
});
