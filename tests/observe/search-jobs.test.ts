import { afterEach, describe, expect, it } from 'vitest';
import { Queue, ValidationError, Worker } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { openEngine, until } from '../support/engine-fixture.js';

describe('queue.searchJobs', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function seeded() {
    const clock = new FakeClock();
    const { engine, close } = await openEngine('memory', { clock });
    const queue = new Queue('ui', { connection: engine });
    cleanups.push(close, () => queue.close());
    for (let i = 1; i <= 30; i++) {
      clock.advance(1000);
      await queue.add(i % 3 === 0 ? 'report' : 'email', { user: { id: i % 5 }, tag: i % 2 === 0 ? 'even' : 'odd', n: i, vip: i === 7 });
    }
    return { clock, engine, queue };
  }

  it('pages newest first with an opaque cursor, without repeats or gaps', async () => {
    const { queue } = await seeded();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await queue.searchJobs({ limit: 7, cursor });
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => String(30 - i)));
    const asc = await queue.searchJobs({ order: 'asc', limit: 3 });
    expect(asc.jobs.map((j) => j.id)).toEqual(['1', '2', '3']);
  });

  it('keeps its place when jobs are added between pages', async () => {
    const { queue } = await seeded();
    const first = await queue.searchJobs({ limit: 10 });
    await queue.add('email', { late: true });
    const second = await queue.searchJobs({ limit: 10, cursor: first.nextCursor! });
    expect(second.jobs.map((j) => j.id)).toEqual(['20', '19', '18', '17', '16', '15', '14', '13', '12', '11']);
  });

  it('filters on name, JSON data fields, time range and states, and counts per state', async () => {
    const { queue, engine } = await seeded();
    const reports = await queue.searchJobs({ name: 'report', limit: 100 });
    expect(reports.jobs.map((j) => j.id)).toEqual(['30', '27', '24', '21', '18', '15', '12', '9', '6', '3']);
    expect(reports.counts).toMatchObject({ waiting: 10, completed: 0 });

    const byUser = await queue.searchJobs({ dataQuery: { 'user.id': 2, tag: 'even' }, limit: 100 });
    expect(byUser.jobs.map((j) => (j.data as { n: number }).n)).toEqual([22, 12, 2]);
    const vip = await queue.searchJobs({ dataQuery: { vip: true } });
    expect(vip.jobs.map((j) => j.id)).toEqual(['7']);
    const range = await queue.searchJobs({ dataQuery: { n: { $gte: 10, $lt: 13 } }, order: 'asc' });
    expect(range.jobs.map((j) => j.id)).toEqual(['10', '11', '12']);
    const inList = await queue.searchJobs({ dataQuery: { n: { $in: [1, 29] } } });
    expect(inList.jobs.map((j) => j.id)).toEqual(['29', '1']);
    const contains = await queue.searchJobs({ dataQuery: { tag: { $contains: 'ev' } }, counts: true });
    expect(contains.counts?.waiting).toBe(15);

    const t0 = (await queue.getJob('5'))!.timestamp;
    const window = await queue.searchJobs({ from: t0, to: t0 + 2000, order: 'asc' });
    expect(window.jobs.map((j) => j.id)).toEqual(['5', '6', '7']);

    const worker = new Worker('ui', async (job) => {
      if ((job.data as { n: number }).n % 4 === 0) throw new Error('nope');
      return 'ok';
    }, { connection: engine, concurrency: 5 });
    cleanups.push(() => worker.close());
    await until(async () => (await queue.getJobCounts('completed', 'failed')).completed + (await queue.getJobCounts('failed')).failed === 30);
    const failed = await queue.searchJobs({ states: ['failed'] });
    expect(failed.jobs.map((j) => j.id)).toEqual(['28', '24', '20', '16', '12', '8', '4']);
    expect(failed.counts).toEqual({ failed: 7 });
    const mixed = await queue.searchJobs({ states: ['failed', 'completed'], name: 'report', limit: 4 });
    expect(mixed.jobs.map((j) => `${j.id}`)).toEqual(['30', '27', '24', '21']);
    expect(mixed.counts).toEqual({ failed: 2, completed: 8 });
  });

  it('takes the data filter as bound parameters: an injection attempt is only a value', async () => {
    const { queue } = await seeded();
    const page = await queue.searchJobs({ dataQuery: { tag: "odd' OR 1=1 --" } });
    expect(page.jobs).toEqual([]);
    expect((await queue.getJobCounts('waiting')).waiting).toBe(30);
  });

  it('refuses bad options by field, and cursors from another order', async () => {
    const { queue } = await seeded();
    await expect(queue.searchJobs({ limit: 0 })).rejects.toThrow(ValidationError);
    await expect(queue.searchJobs({ dataQuery: { 'a b': 1 } })).rejects.toThrow(/data paths look like/);
    await expect(queue.searchJobs({ states: ['done' as never] })).rejects.toMatchObject({ field: 'opts.states[0]' });
    await expect(queue.searchJobs({ cursor: 'garbage' })).rejects.toThrow(/not a cursor returned by searchJobs/);
    const page = await queue.searchJobs({ limit: 2 });
    await expect(queue.searchJobs({ cursor: page.nextCursor!, order: 'asc' })).rejects.toThrow(/pass the same order/);
  });
});
