import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PgQueueRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-queue-repository.js';
import { PgMetricsRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-metrics-repository.js';
import { PgJobSearch } from '../../src_refactored/infrastructure/persistence/postgres/pg-job-search.js';
import { PgPayloadRewriter } from '../../src_refactored/infrastructure/persistence/postgres/pg-payload-rewriter.js';
import { EncryptionCodec } from '../../src_refactored/infrastructure/persistence/codec/encryption-codec.js';
import type { PgStore } from '../../src_refactored/infrastructure/persistence/postgres/pg-store.js';
import type { JobSearchQuery } from '../../src_refactored/core/application/ports/job-search.port.js';
import { BACKENDS, TestStores } from './pg-test-stores.js';

const T0 = Date.UTC(2026, 0, 1);

/**
 * `n` jobs of queue 'q' straight into the table (the job repository is another adapter's): job i is
 * 'completed' when i % 3 = 0, else 'waiting'; named 'even'/'odd'; created at T0 + i; data {i, tag, nested}.
 */
async function seedJobs(store: PgStore, n: number): Promise<void> {
  await store.tx.write(() =>
    store.tx.ex.query(
      `INSERT INTO jobs (queue, job_id, name, data, opts, state, seq, timestamp)
       SELECT 'q', i::text, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END,
              json_build_object('i', i, 'tag', 'tag-' || (i % 10), 'nested', json_build_object('flag', i % 4 = 0))::text,
              '{}', CASE WHEN i % 3 = 0 THEN 'completed' ELSE 'waiting' END, i, $1::bigint + i
       FROM generate_series(1, $2::int) AS i`,
      [T0, n],
    ),
  );
  await store.connection.query('ANALYZE jobs');
}

describe.each(BACKENDS)('read-side repositories on %s', (backend) => {
  let stores: TestStores;
  afterEach(() => stores.close());

  it('PgQueueRepository: pause flags and the queue list', async () => {
    stores = new TestStores(backend);
    const queues = new PgQueueRepository(stores.open());
    expect(await queues.isPaused('a')).toBe(false);
    await queues.setPaused('b', true);
    await queues.setPaused('a', false);
    expect(await queues.isPaused('b')).toBe(true);
    await queues.setPaused('b', false);
    expect(await queues.isPaused('b')).toBe(false);
    expect(await queues.listQueues()).toEqual(['a', 'b']);
  });

  it('PgMetricsRepository: per-minute counts, oldest minute and the histogram snapshot', async () => {
    stores = new TestStores(backend);
    const store = stores.open();
    const metrics = new PgMetricsRepository(store);
    await store.tx.write(() =>
      store.tx.ex.query(
        `INSERT INTO metrics (queue, kind, minute, count) VALUES
         ('q', 'completed', 100, 3), ('q', 'completed', 102, 5), ('q', 'completed', -1, 8), ('q', 'failed', -1, 2),
         ('q', 'processing_ms_bucket', 5, 1), ('q', 'processing_ms_bucket', 100, 2), ('q', 'processing_ms_bucket', -2, 1),
         ('q', 'processing_ms_sum', -1, 9000), ('other', 'completed', 100, 7)`,
      ),
    );
    expect([...(await metrics.perMinute('q', 'completed', 0, 101))]).toEqual([[100, 3]]);
    expect(await metrics.oldestMinute('q', 'completed')).toBe(100);
    expect(await metrics.oldestMinute('q', 'failed')).toBeNull();
    const snapshot = await metrics.snapshot('q');
    expect(snapshot).toMatchObject({ completedTotal: 8, failedTotal: 2, waitTime: { count: 0, sumMs: 0 } });
    expect(snapshot.processingTime.count).toBe(4);
    expect(snapshot.processingTime.sumMs).toBe(9000);
    expect(snapshot.processingTime.buckets.find((b) => b.le === 100)?.count).toBe(3);
  });

  it('PgJobSearch: pages by cursor without gap or repeat, merges states, filters on name, time and data', async () => {
    stores = new TestStores(backend);
    const store = stores.open();
    const search = new PgJobSearch(store);
    await seedJobs(store, 300);
    const base: JobSearchQuery = { queue: 'q', states: ['waiting', 'completed'], data: [], order: 'desc', limit: 40 };
    const seen: string[] = [];
    for (let after: JobSearchQuery['after'] = undefined, pages = 0; pages < 20; pages++) {
      const page = await search.search({ ...base, after });
      seen.push(...page.jobs.map((j) => j.id));
      if (page.next === null) break;
      after = page.next;
    }
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => String(300 - i)));

    const named = await search.search({ ...base, states: ['completed'], name: 'even', order: 'asc', from: T0 + 10, to: T0 + 60 });
    expect(named.jobs.map((j) => j.id)).toEqual(['12', '18', '24', '30', '36', '42', '48', '54', '60']);
    const ids = async (data: JobSearchQuery['data']) => (await search.search({ ...base, data, order: 'asc', limit: 500 })).jobs.map((j) => Number(j.id));
    expect(await ids([{ path: '$.i', op: 'lte', value: 3 }])).toEqual([1, 2, 3]);
    expect(await ids([{ path: '$.i', op: 'in', value: [7, 9, 'x'] }])).toEqual([7, 9]);
    expect(await ids([{ path: '$.tag', op: 'eq', value: 'tag-5' }, { path: '$.i', op: 'lt', value: 30 }])).toEqual([5, 15, 25]);
    expect(await ids([{ path: '$.tag', op: 'contains', value: 'g-7' }, { path: '$.i', op: 'gt', value: 250 }])).toEqual([257, 267, 277, 287, 297]);
    expect(await ids([{ path: '$.nested.flag', op: 'eq', value: true }, { path: '$.i', op: 'lt', value: 13 }])).toEqual([4, 8, 12]);
    expect(await ids([{ path: '$.i', op: 'ne', value: 1 }, { path: '$.i', op: 'lt', value: 4 }])).toEqual([2, 3]);
    expect(await ids([{ path: '$.missing', op: 'exists', value: true }])).toEqual([]);
    expect((await ids([{ path: '$.missing', op: 'exists', value: false }])).length).toBe(300);
    expect(await search.count({ queue: 'q', states: ['waiting', 'completed'], data: [] })).toEqual({ waiting: 200, completed: 100 });
    expect(await search.count({ queue: 'q', states: ['waiting'], name: 'odd', data: [] }, 10)).toEqual({ waiting: 10 });
  });

  it('PgJobSearch: the page query walks jobs_search, or jobs_search_name with a name, without a sort', async () => {
    stores = new TestStores(backend);
    const store = stores.open();
    const search = new PgJobSearch(store);
    await seedJobs(store, 20_000);
    // Both plans: node-postgres runs named prepared statements, which PostgreSQL may switch to a generic plan.
    const plan = async (query: JobSearchQuery, mode: 'force_custom_plan' | 'force_generic_plan') => {
      const { text, values } = search.pageSql(query, 'waiting');
      const names = Object.keys(values);
      const positional = text.replace(/@(p\d+)/g, (_, name: string) => `$${names.indexOf(name) + 1}`);
      const args = Object.values(values).map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
      const rows = await store.connection.transaction(async (tx) => {
        await tx.query(`SET LOCAL plan_cache_mode = ${mode}`);
        await tx.query(`PREPARE page AS ${positional}`);
        try {
          return await tx.query<Record<string, string>>(`EXPLAIN EXECUTE page(${args.join(', ')})`);
        } finally {
          await tx.query('DEALLOCATE page');
        }
      });
      return rows.map((r) => Object.values(r)[0]).join('\n');
    };
    const query: JobSearchQuery = { queue: 'q', states: ['waiting'], data: [], order: 'desc', limit: 50, after: { timestamp: T0 + 10_000, row: 10_000 } };
    for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
      const plain = await plan(query, mode);
      expect(plain).toMatch(/Index Scan Backward using jobs_search on jobs/);
      expect(plain).not.toMatch(/Sort/);
      const named = await plan({ ...query, name: 'odd', order: 'asc' }, mode);
      expect(named).toMatch(/Index Scan using jobs_search_name on jobs/);
      expect(named).not.toMatch(/Sort/);
    }
  });

  it('PgPayloadRewriter: rewrites plain and old-key payloads under the current key, in batches', async () => {
    stores = new TestStores(backend);
    const store = stores.open();
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const before = new EncryptionCodec(oldKey);
    await seedJobs(store, 700);
    await store.tx.write(async () => {
      await store.tx.ex.query(`UPDATE jobs SET data = $1, returnvalue = $2 WHERE job_id = '5'`, [before.encode('data', '{"i":5}'), before.encode('returnvalue', '42')]);
      await store.tx.ex.query(`INSERT INTO job_logs (job_row_id, message) SELECT id, 'plain line' FROM jobs WHERE job_id = '5'`);
    });
    const codec = new EncryptionCodec(newKey, [oldKey]);
    expect(await new PgPayloadRewriter(store, codec).rewriteAll()).toEqual({ jobs: 700, logs: 1 });
    const [job] = await store.connection.query<{ data: string; returnvalue: string }>(`SELECT data, returnvalue FROM jobs WHERE job_id = '5'`);
    expect(codec.needsRewrite(job!.data)).toBe(false);
    expect(codec.decode('data', job!.data)).toBe('{"i":5}');
    expect(codec.decode('returnvalue', job!.returnvalue)).toBe('42');
    const [log] = await store.connection.query<{ message: string }>('SELECT message FROM job_logs');
    expect(codec.decode('log', log!.message)).toBe('plain line');
    expect(await new PgPayloadRewriter(store, codec).rewriteAll()).toEqual({ jobs: 0, logs: 0 });
  });
});
