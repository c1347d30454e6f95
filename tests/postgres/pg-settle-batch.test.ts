import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewJob, SettleCommand } from '../../src_refactored/core/application/ports/job-record.js';
import { PgJobRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-job-repository.js';
import { PgStore } from '../../src_refactored/infrastructure/persistence/postgres/pg-store.js';

const PG_URL = process.env.BULLITE_TEST_PG_URL;
let pglite: PGlite | undefined;
afterAll(async () => pglite?.close());

const backends = [
  { name: 'PGlite', open: (schema: string) => new PgStore({ pglite: (pglite ??= new PGlite()), schema }), skip: false },
  { name: 'PostgreSQL server', open: (schema: string) => new PgStore({ connectionString: PG_URL, schema }), skip: PG_URL === undefined },
];

/**
 * A worker's settle batch mixes outcomes; on PostgreSQL the completions of a batch are one statement.
 * Each command must still get its own answer, and every follow-up of a completion (flow parent, metrics,
 * retention) must happen as when the commands come one by one.
 */
for (const backend of backends) {
  describe.skipIf(backend.skip)(`PgJobRepository settle batch: ${backend.name}`, () => {
    const now = 1_000_000;
    let schema: string;
    let store: PgStore;
    let repo: PgJobRepository;

    beforeEach(async () => {
      schema = `test_${randomUUID().replaceAll('-', '')}`;
      store = backend.open(schema);
      await store.ready;
      repo = new PgJobRepository(store);
    });

    afterEach(async () => {
      await store.connection.query(`DROP SCHEMA "${schema}" CASCADE`);
      await store.close();
    });

    const job = (over: Partial<NewJob> = {}): NewJob => ({
      queue: 'q', name: 'n', dataJson: '{}', opts: {}, priority: 0, lifo: false, delay: 0, maxAttempts: 3, ...over,
    });

    it('answers each command, resolves the flow parent, counts metrics and applies retention once', async () => {
      await repo.insert([job({ queue: 'parents', customId: 'p', waitChildren: true })], now);
      const parent = { queue: 'parents', id: 'p' };
      await repo.insert([job({ customId: 'c1', opts: { parent } }), job({ customId: 'c2', opts: { parent } })], now);
      await repo.insert([job({ customId: 'j3' }), job({ customId: 'j4' }), job({ customId: 'j5' }), job({ customId: 'j6' })], now);
      const claimed = await repo.claim({ queue: 'q', token: 't', limit: 10, lockMs: 1000, workerName: null }, now);
      expect(claimed.map((j) => j.id)).toEqual(['c1', 'c2', 'j3', 'j4', 'j5', 'j6']);

      const base = { queue: 'q', token: 't' };
      const commands: SettleCommand[] = [
        { ...base, kind: 'complete', id: 'c1', returnvalueJson: '"one"', retention: {} },
        { ...base, kind: 'retry', id: 'j3', failedReason: 'again', stacktrace: [], runAt: null },
        { ...base, kind: 'complete', id: 'c2', returnvalueJson: '"two"', retention: { count: 0 } },
        { ...base, kind: 'fail', id: 'j4', failedReason: 'boom', stacktrace: ['at x'], retention: {} },
        { ...base, kind: 'complete', id: 'j5', token: 'stale', returnvalueJson: 'null', retention: {} },
        { ...base, kind: 'complete', id: 'j6', returnvalueJson: '6', retention: { count: 1 } },
      ];
      const result = await repo.settle(commands, now + 10);

      expect(result.accepted).toEqual([true, true, true, true, false, true]);
      expect(result.effects).toContainEqual({ queue: 'parents', event: 'waiting', args: { jobId: 'p', prev: 'waiting-children' } });
      expect(await repo.getState('parents', 'p')).toBe('waiting');
      expect(await repo.findById('q', 'j3')).toMatchObject({ state: 'waiting', attemptsMade: 1, failedReason: 'again' });
      expect(await repo.findById('q', 'j4')).toMatchObject({ state: 'failed', failedReason: 'boom', stacktrace: ['at x'] });
      expect(await repo.getState('q', 'j5')).toBe('active');
      expect(await repo.getState('q', 'c2')).toBe('unknown');
      // The batch's completed retention (keep 1) trimmed c1; j6, the newest, stays.
      expect((await repo.list('q', ['completed'], 0, -1, true)).map((j) => [j.id, j.returnvalue])).toEqual([['j6', 6]]);
      const totals = await store.connection.query<{ kind: string; count: number }>(
        `SELECT kind, count FROM "${schema}".metrics WHERE queue = 'q' AND minute = -1 AND kind IN ('completed', 'failed') ORDER BY kind`,
      );
      expect(totals).toEqual([{ kind: 'completed', count: 3 }, { kind: 'failed', count: 1 }]);
    });
  });
}
