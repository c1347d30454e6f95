import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { PgEventBus } from '../../src_refactored/infrastructure/events/pg-event-bus.js';
import { silentLogger } from '../../src_refactored/infrastructure/logging/silent-logger.js';
import type { PgStore } from '../../src_refactored/infrastructure/persistence/postgres/pg-store.js';
import type { QueueEventRecord } from '../../src_refactored/core/application/ports/event-bus.port.js';
import { FakeClock } from '../support/fake-clock.js';
import { BACKENDS, TestStores, within } from './pg-test-stores.js';

const clock = new FakeClock();

describe.each(BACKENDS)('PgEventBus on %s', (backend) => {
  let stores: TestStores;
  const buses: PgEventBus[] = [];
  const bus = (store: PgStore, maxLen?: number) => {
    const b = new PgEventBus(store, clock, silentLogger, maxLen);
    buses.push(b);
    return b;
  };
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await stores.close();
  });

  /** Publishes `n` events in one write transaction of `store`, as a worker's job step does. */
  const publishInTx = (store: PgStore, b: PgEventBus, queue: string, from: number, n: number) =>
    store.tx.write(async () => {
      for (let i = from; i < from + n; i++) b.publish({ queue, event: 'completed', args: { jobId: String(i), returnvalue: i } });
    });

  it('events written by one store are read by another in order, with contiguous ids, resuming without gap or repeat', async () => {
    stores = new TestStores(backend);
    const [a, b] = [stores.open(), stores.open()];
    const writer = bus(a);
    const reader = bus(b);
    for (let t = 0; t < 5; t++) await publishInTx(a, writer, 'q', t * 4, 4);

    const first = await reader.read('q', '0', 7);
    expect(first.map((e) => e.args.jobId)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    const rest = await reader.read(null, first.at(-1)!.id, 100);
    const ids = [...first, ...rest].map((e) => Number(e.id));
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => ids[0]! + i));
    expect(rest.map((e) => e.args.jobId)).toEqual(Array.from({ length: 13 }, (_, i) => String(i + 7)));
    expect(rest[0]).toMatchObject({ queue: 'q', event: 'completed', args: { jobId: '7', returnvalue: 7 }, timestamp: clock.now() });
    expect(await reader.latestId('q')).toBe(rest.at(-1)!.id);
    expect(await reader.latestId('other')).toBe('0');
    expect((await reader.forJob('q', '3')).map((e) => e.args.returnvalue)).toEqual([3]);
  });

  it('delivers to this engine after the commit with the durable id; a rolled-back unit of work publishes nothing', async () => {
    stores = new TestStores(backend);
    const store = stores.open();
    const b = bus(store);
    const seen: Required<QueueEventRecord>[] = [];
    b.subscribe('q', (e) => seen.push(e));
    await expect(
      store.tx.write(async () => {
        b.publish({ queue: 'q', event: 'failed', args: { jobId: 'x' } });
        throw new Error('unit of work failed');
      }),
    ).rejects.toThrow('unit of work failed');
    const delivered = within<Required<QueueEventRecord>>(5_000, 'the local delivery', (done) => b.subscribe('q', done));
    b.publish({ queue: 'q', event: 'waiting', args: { jobId: 'y' } }); // outside a transaction: written at the end of the turn
    const event = await delivered;
    expect(event).toMatchObject({ event: 'waiting', args: { jobId: 'y' } });
    expect(Number(event.id)).toBeGreaterThan(0);
    expect((await b.read('q', '0', 10)).map((e) => [e.id, e.event])).toEqual([[event.id, 'waiting']]);
    expect(seen.map((e) => e.event)).toEqual(['waiting']);
  });

  it('keeps publish order between events buffered outside a transaction and a later unit of work', async () => {
    stores = new TestStores(backend);
    const store = stores.open();
    const b = bus(store);
    for (let round = 0; round < 5; round++) {
      b.publish({ queue: 'q', event: 'added', args: { jobId: `${round}` } });
      await publishInTx(store, b, 'q', 100 + round, 1);
    }
    await b.flush();
    expect((await b.read('q', '0', 100)).map((e) => e.args.jobId)).toEqual(['0', '100', '1', '101', '2', '102', '3', '103', '4', '104']);
  });

  it('flush() stores events published outside a transaction, in bounded batches, trimmed to maxLen per queue', async () => {
    stores = new TestStores(backend);
    const store = stores.open();
    const b = bus(store, 50);
    for (let i = 0; i < 2_500; i++) b.publish({ queue: i % 2 === 0 ? 'even' : 'odd', event: 'added', args: { jobId: String(i) } });
    await b.flush();
    for (const queue of ['even', 'odd']) {
      const kept = await b.read(queue, '0', 10_000);
      // Trimmed every maxLen/10 inserts by at most 4× the inserts since: about maxLen remain, the newest.
      expect(kept.length).toBeGreaterThanOrEqual(50);
      expect(kept.length).toBeLessThanOrEqual(60);
      expect(kept.at(-1)!.args.jobId).toBe(queue === 'even' ? '2498' : '2499');
    }
  });

  it('a reader following two concurrent writers never sees ids out of order, so resuming from the last id misses nothing', async () => {
    stores = new TestStores(backend);
    const [a, c, r] = [stores.open(), stores.open(), stores.open()];
    const writers = [bus(a), bus(c)];
    const reader = bus(r);
    // Widen the window between the events' insert and the commit (participants run in join order, after the bus).
    for (const store of [a, c]) store.tx.join({ beforeCommit: () => sleep(Math.random() * 5), afterCommit: () => undefined, afterRollback: () => undefined });
    const perWriter = 20;
    const perTx = 3;
    const total = 2 * perWriter * perTx;
    const writing = Promise.all(
      [a, c].map((store, w) =>
        Promise.all(Array.from({ length: perWriter }, (_, t) => publishInTx(store, writers[w]!, 'q', (w * perWriter + t) * perTx, perTx))),
      ),
    );
    const seen: number[] = [];
    let lastId = '0';
    const deadline = Date.now() + 30_000;
    while (seen.length < total && Date.now() < deadline) {
      for (const event of await reader.read('q', lastId, 1_000)) {
        seen.push(Number(event.id));
        lastId = event.id;
      }
    }
    await writing;
    expect(seen).toHaveLength(total);
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => seen[0]! + i));
    expect(new Set((await reader.read('q', '0', 1_000)).map((e) => e.args.jobId)).size).toBe(total);
  });
});
