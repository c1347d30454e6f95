import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createQueueEngine, Queue } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { tempDir, until } from '../support/engine-fixture.js';
import { ask, bundleFixture, startFixture } from '../scheduler/child-process.js';
import { PG_URL } from './pg-test-stores.js';

describe.skipIf(PG_URL === undefined)('job schedulers in two processes on one PostgreSQL schema', () => {
  it('both upsert the same scheduler at once, then run it for one minute of fake time: each cron slot exactly once', { timeout: 120_000 }, async () => {
    const schema = `test_${randomUUID().replaceAll('-', '')}`;
    const temp = tempDir();
    const log = join(temp.dir, 'runs.log');
    writeFileSync(log, '');
    const runs = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
    // The minute spans the Berlin DST change (01:00 UTC on 29 March 2026).
    const start = Date.UTC(2026, 2, 29, 0, 59, 30);
    const bundle = await bundleFixture('cron-worker.ts');
    const children = ['A', 'B'].map((tag) => startFixture(bundle, [JSON.stringify({ postgres: { connectionString: PG_URL, schema } }), log, String(start), tag]));
    const observer = await createQueueEngine({ postgres: { connectionString: PG_URL!, schema }, clock: new FakeClock(start), idleCheckInterval: 10 });
    const queue = new Queue('cron', { connection: observer });
    try {
      await Promise.all(children.map((c) => c.ready));
      await Promise.all(children.map((c) => ask(c.child, { upsert: true })));
      expect(await queue.getJobSchedulersCount()).toBe(1);
      expect((await queue.getJobs(['delayed'])).map((j) => j.id)).toEqual([`repeat:every-second:${start + 1000}`]);
      for (let second = 1; second <= 60; second++) {
        await Promise.all(children.map((c) => ask(c.child, { now: start + second * 1000 })));
        await until(() => runs().length >= second, 20_000);
      }
      // Settled: the next slot is pending and nothing is waiting or running, so no late duplicate can come.
      await until(async () => {
        const counts = await queue.getJobCounts('waiting', 'active');
        return (await queue.getJobScheduler('every-second'))?.next === start + 61_000 && counts.waiting + counts.active === 0;
      }, 20_000);
      const ids = runs().map((l) => l.split(' ')[0]);
      expect(ids).toEqual(Array.from({ length: 60 }, (_, i) => `repeat:every-second:${start + (i + 1) * 1000}`));
    } finally {
      for (const c of children) c.child.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await queue.close();
      await observer.close();
      const pool = new (await import('pg')).default.Pool({ connectionString: PG_URL });
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => pool.end());
      temp.cleanup();
      rmSync(bundle, { force: true });
    }
  });
});
