import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, fakeClockQueue } from '../support/cleanup-after-each.js';
import { QueueEvents, Worker } from '../../src_refactored/index.js';
import { nextEvent, until } from '../support/engine-fixture.js';

const defer = cleanupAfterEach();

async function setup() {
  const { clock, engine, queue } = await fakeClockQueue(defer);
  const events = new QueueEvents('q', { connection: engine });
  defer(() => events.close());
  return { clock, engine, queue, events };
}

describe('deduplication', () => {
  it('simple mode: a second add while the first job is unfinished returns it and emits deduplicated; the key is released when the job finishes', async () => {
    const { engine, queue, events } = await setup();
    const first = await queue.add('n', { v: 1 }, { deduplication: { id: 'order-7' } });
    const deduplicated = nextEvent<[{ jobId: string; deduplicationId: string; deduplicatedJobId: string }]>(events, 'deduplicated');
    const second = await queue.add('n', { v: 2 }, { deduplication: { id: 'order-7' } });
    expect(second.id).toBe(first.id);
    expect(second.data).toEqual({ v: 1 });
    const [payload] = await deduplicated;
    expect(payload).toEqual({ jobId: first.id, deduplicationId: 'order-7', deduplicatedJobId: '2' });
    expect(await queue.getDeduplicationJobId('order-7')).toBe(first.id);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });

    const worker = new Worker('q', async () => 'ok', { connection: engine });
    await until(async () => (await queue.getJobState(first.id)) === 'completed');
    expect(await queue.getDeduplicationJobId('order-7')).toBeNull();
    const third = await queue.add('n', { v: 3 }, { deduplication: { id: 'order-7' } });
    expect(third.id).not.toBe(first.id);
    await worker.close();
  });

  it('throttle mode: the key lives for its ttl, even after the job finished, then a new job is accepted', async () => {
    const { clock, engine, queue } = await setup();
    const first = await queue.add('n', 1, { deduplication: { id: 't', ttl: 1000 } });
    const worker = new Worker('q', async () => 'ok', { connection: engine });
    await until(async () => (await queue.getJobState(first.id)) === 'completed');
    expect((await queue.add('n', 2, { deduplication: { id: 't', ttl: 1000 } })).id).toBe(first.id);
    clock.advance(1000);
    const next = await queue.add('n', 3, { deduplication: { id: 't', ttl: 1000 } });
    expect(next.id).not.toBe(first.id);
    await worker.close();
  });

  it('debounce (extend + replace) replaces the still-delayed job: the last data wins and the delay restarts', async () => {
    const { clock, engine, queue } = await setup();
    const opts = { delay: 1000, deduplication: { id: 'save', ttl: 1000, extend: true, replace: true } };
    const first = await queue.add('save', { text: 'a' }, opts);
    clock.advance(600);
    const second = await queue.add('save', { text: 'ab' }, opts);
    expect(second.id).not.toBe(first.id);
    expect(await queue.getJob(first.id)).toBeUndefined();
    expect(await queue.getDeduplicationJobId('save')).toBe(second.id);
    expect(await queue.getJobCounts('delayed', 'waiting')).toEqual({ delayed: 1, waiting: 0 });

    const seen: unknown[] = [];
    const worker = new Worker('q', async (job) => void seen.push(job.data), { connection: engine });
    // 1000 ms after the first add the original job would have run; the replacement is due 400 ms later.
    clock.advance(400);
    await new Promise((r) => setTimeout(r, 40));
    expect(seen).toEqual([]);
    clock.advance(600);
    await until(() => seen.length === 1);
    expect(seen).toEqual([{ text: 'ab' }]);
    await worker.close();
  });

  it('extend without replace keeps the first job and restarts the ttl', async () => {
    const { clock, queue } = await setup();
    const opts = { deduplication: { id: 'e', ttl: 1000, extend: true } };
    const first = await queue.add('n', 1, opts);
    clock.advance(800);
    expect((await queue.add('n', 2, opts)).id).toBe(first.id);
    clock.advance(800); // 1600 after the first add, 800 after the extension
    expect((await queue.add('n', 3, opts)).id).toBe(first.id);
  });

  it('removeDeduplicationKey releases the key at once', async () => {
    const { queue } = await setup();
    const first = await queue.add('n', 1, { deduplication: { id: 'k' } });
    expect(await queue.removeDeduplicationKey('k')).toBe(1);
    expect(await queue.removeDeduplicationKey('k')).toBe(0);
    expect((await queue.add('n', 2, { deduplication: { id: 'k' } })).id).not.toBe(first.id);
  });
});
