import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { Queue, ValidationError, Worker } from '../../src_refactored/index.js';
import { openEngine, until, openSameStore } from '../support/engine-fixture.js';

const defer = cleanupAfterEach();

/** A processor that records how many jobs (overall and per group) run at the same time. */
function tracker() {
  let running = 0;
  const runningPerGroup = new Map<string, number>();
  const stats = { maxRunning: 0, maxPerGroup: 0, order: [] as string[] };
  const processor = async (job: { data: { group: string; name: string } }) => {
    const group = job.data.group;
    running += 1;
    runningPerGroup.set(group, (runningPerGroup.get(group) ?? 0) + 1);
    stats.maxRunning = Math.max(stats.maxRunning, running);
    stats.maxPerGroup = Math.max(stats.maxPerGroup, runningPerGroup.get(group)!);
    stats.order.push(job.data.name);
    // Yield several times so other slots get every chance to start a job meanwhile.
    await new Promise((r) => setTimeout(r, 3));
    running -= 1;
    runningPerGroup.set(group, runningPerGroup.get(group)! - 1);
  };
  return { processor, stats };
}

describe('global concurrency', () => {
  it('global concurrency 1 with worker concurrency 10 runs strictly one at a time, also across two engines', async () => {
    const first = await openEngine('wal-file');
    const second = await openSameStore(first.path, { idleCheckInterval: 10 });
    defer(first.close);
    defer(() => second.close());
    const queue = new Queue('q', { connection: first.engine });
    await queue.setGlobalConcurrency(1);
    expect(await queue.getGlobalConcurrency()).toBe(1);
    await queue.addBulk(Array.from({ length: 12 }, (_, i) => ({ name: 'n', data: { group: 'all', name: `j${i}` } })));
    const { processor, stats } = tracker();
    const workers = [
      new Worker('q', processor, { connection: first.engine, concurrency: 10 }),
      new Worker('q', processor, { connection: second, concurrency: 10 }),
    ];
    await until(async () => (await queue.getJobCounts('completed')).completed === 12);
    expect(stats.maxRunning).toBe(1);
    await Promise.all(workers.map((w) => w.close()));
  });

  it('removing the limit lets the worker use its own concurrency again', async () => {
    const { engine, close } = await openEngine('memory');
    defer(close);
    const queue = new Queue('q', { connection: engine });
    await queue.setGlobalConcurrency(1);
    await queue.removeGlobalConcurrency();
    expect(await queue.getGlobalConcurrency()).toBeNull();
    await queue.addBulk(Array.from({ length: 6 }, (_, i) => ({ name: 'n', data: { group: 'all', name: `j${i}` } })));
    const { processor, stats } = tracker();
    const worker = new Worker('q', processor, { connection: engine, concurrency: 3 });
    await until(async () => (await queue.getJobCounts('completed')).completed === 6);
    expect(stats.maxRunning).toBe(3);
    await worker.close();
    await expect(queue.setGlobalConcurrency(0)).rejects.toThrow(ValidationError);
  });
});

describe('group concurrency', () => {
  it('two groups with limit 1 each run interleaved: one busy tenant does not starve the other', async () => {
    const { engine, close } = await openEngine('memory');
    defer(close);
    const queue = new Queue('q', { connection: engine });
    await queue.setGroupConcurrency(1);
    // Tenant a floods the queue first; b's jobs arrive after all of a's.
    for (const [group, n] of [['a', 4], ['b', 4]] as const) {
      for (let i = 1; i <= n; i++) await queue.add('n', { group, name: `${group}${i}` }, { group: { id: group } });
    }
    const { processor, stats } = tracker();
    const worker = new Worker('q', processor, { connection: engine, concurrency: 1 });
    await until(async () => (await queue.getJobCounts('completed')).completed === 8);
    expect(stats.order).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4', 'b4']);
    await worker.close();
  });

  it('never runs two jobs of one group at once, even with spare worker slots, and runs the groups side by side', async () => {
    const { engine, close } = await openEngine('memory');
    defer(close);
    const queue = new Queue('q', { connection: engine });
    await queue.addBulk(
      ['a', 'b', 'c'].flatMap((group) =>
        Array.from({ length: 4 }, (_, i) => ({ name: 'n', data: { group, name: `${group}${i}` }, opts: { group: { id: group } } })),
      ),
    );
    const { processor, stats } = tracker();
    // The Worker option sets the default limit when the queue has none.
    const worker = new Worker('q', processor, { connection: engine, concurrency: 10, group: { concurrency: 1 } });
    await until(async () => (await queue.getJobCounts('completed')).completed === 12);
    expect(stats.maxPerGroup).toBe(1);
    expect(stats.maxRunning).toBe(3);
    await worker.close();
  });

  it('a per-group override beats the default, and ungrouped jobs take their turn in the rotation', async () => {
    const { engine, close } = await openEngine('memory');
    defer(close);
    const queue = new Queue('q', { connection: engine });
    await queue.setGroupConcurrency(1);
    await queue.setGroupConcurrency(2, 'vip');
    expect(await queue.getGroupConcurrency()).toBe(1);
    expect(await queue.getGroupConcurrency('vip')).toBe(2);
    expect(await queue.getGroupConcurrency('other')).toBe(1);
    const jobs = [
      ...Array.from({ length: 4 }, (_, i) => ({ name: 'n', data: { group: 'vip', name: `v${i}` }, opts: { group: { id: 'vip' } } })),
      ...Array.from({ length: 4 }, (_, i) => ({ name: 'n', data: { group: 'std', name: `s${i}` }, opts: { group: { id: 'std' } } })),
      ...Array.from({ length: 2 }, (_, i) => ({ name: 'n', data: { group: 'none', name: `u${i}` } })),
    ];
    await queue.addBulk(jobs);
    const perGroupMax = new Map<string, number>();
    const running = new Map<string, number>();
    const worker = new Worker(
      'q',
      async (job: { data: { group: string } }) => {
        const g = job.data.group;
        running.set(g, (running.get(g) ?? 0) + 1);
        perGroupMax.set(g, Math.max(perGroupMax.get(g) ?? 0, running.get(g)!));
        await new Promise((r) => setTimeout(r, 5));
        running.set(g, running.get(g)! - 1);
      },
      { connection: engine, concurrency: 10 },
    );
    await until(async () => (await queue.getJobCounts('completed')).completed === 10);
    expect(perGroupMax.get('vip')).toBe(2);
    expect(perGroupMax.get('std')).toBe(1);
    expect(perGroupMax.get('none')).toBe(2);
    await worker.close();
  });
});
