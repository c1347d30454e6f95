import { afterEach, describe, expect, it } from 'vitest';
import { PgChangeFeed } from '../../src_refactored/infrastructure/persistence/postgres/pg-change-feed.js';
import { PgEventBus } from '../../src_refactored/infrastructure/events/pg-event-bus.js';
import { silentLogger } from '../../src_refactored/infrastructure/logging/silent-logger.js';
import type { PgStore } from '../../src_refactored/infrastructure/persistence/postgres/pg-store.js';
import { FakeClock } from '../support/fake-clock.js';
import { BACKENDS, TestStores, within } from './pg-test-stores.js';

/** A write transaction through `store` (any write NOTIFYs; the queue row is just something to write). */
const write = (store: PgStore, queue: string) =>
  store.tx.write(async () => {
    await store.tx.ex.query('INSERT INTO queues (name) VALUES ($1) ON CONFLICT DO NOTHING', [queue]);
  });

describe.each(BACKENDS)('PgChangeFeed on %s', (backend) => {
  let stores: TestStores;
  const feeds: PgChangeFeed[] = [];
  const feed = (store: PgStore) => {
    const f = new PgChangeFeed(store, 20);
    feeds.push(f);
    return f;
  };
  afterEach(async () => {
    for (const f of feeds.splice(0)) f.close();
    await stores.close();
  });

  /** Resolves at the feed's next wake-up after `action`, waiting for the LISTEN to be in place first. */
  const wakeAfter = async (f: PgChangeFeed, action: () => Promise<unknown>, ms = 10_000) => {
    const woken = within<void>(ms, 'the change feed', (done) => {
      const off = f.subscribe(() => {
        off();
        done();
      });
    });
    await action();
    return woken;
  };

  it("fires in store B after a write committed through store A, and not for B's own writes", async () => {
    stores = new TestStores(backend);
    const [a, b] = [stores.open(), stores.open()];
    feed(a);
    const fb = feed(b);
    const woken: number[] = [];
    fb.subscribe(() => woken.push(1));
    await listening(fb);
    await write(b, 'own');
    await wakeAfter(fb, () => write(a, 'q'));
    // B's own commit came before A's, and notifications arrive in commit order: B's did not wake B.
    expect(woken).toEqual([1]);
  });

  it.runIf(backend === 'postgres')('stays silent for another schema on the same database (channels are per database)', async () => {
    stores = new TestStores(backend);
    const other = new TestStores(backend);
    try {
      const [a, b] = [stores.open(), other.open()];
      feed(b); // B's writes NOTIFY its own schema's channel
      const fa = feed(a);
      const woken: number[] = [];
      fa.subscribe(() => woken.push(1));
      await listening(fa);
      await write(b, 'q');
      // A wake-up of A caused by B's write would arrive before A's own write's wake of a third store of A's schema.
      const third = feed(stores.open());
      await listening(third);
      await wakeAfter(third, () => write(a, 'q'));
      expect(woken).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it.runIf(backend === 'postgres')('still fires after its listen connection is killed', async () => {
    stores = new TestStores(backend);
    const [a, b] = [stores.open(), stores.open()];
    feed(a); // A's write transactions NOTIFY through its feed
    const fb = feed(b);
    await listening(fb);
    const reconnected = wakeAfter(fb, () =>
      a.connection.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`, [`LISTEN "bullite_${stores.schema}"`]),
    );
    await reconnected; // the reconnect fires once: notifications may have been missed meanwhile
    await wakeAfter(fb, () => write(a, 'after-reconnect'));
  });

  it('the event stream of store A is read by store B when its feed fires', async () => {
    stores = new TestStores(backend);
    const [a, b] = [stores.open(), stores.open()];
    const clock = new FakeClock();
    const busA = new PgEventBus(a, clock, silentLogger);
    const busB = new PgEventBus(b, clock, silentLogger);
    feed(a);
    const fb = feed(b);
    await listening(fb);
    try {
      await wakeAfter(fb, async () => {
        busA.publish({ queue: 'q', event: 'added', args: { jobId: '1' } });
        await busA.flush();
      });
      expect((await busB.read('q', '0', 10)).map((e) => e.args.jobId)).toEqual(['1']);
    } finally {
      await Promise.all([busA.close(), busB.close()]);
    }
  });
});

/** Keeps the feed listening for the rest of the test (a feed stops when its last listener leaves). */
async function listening(f: PgChangeFeed): Promise<void> {
  f.subscribe(() => undefined);
  await f.listening();
}
