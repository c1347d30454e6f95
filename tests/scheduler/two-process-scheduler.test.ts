import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createQueueEngine, Queue } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { tempDir, until } from '../support/engine-fixture.js';
import { ask, bundleFixture, startFixture } from './child-process.js';

describe('job schedulers in two processes', () => {
  it('two processes running the scheduler on one file for one minute of fake time produce each cron slot exactly once', async () => {
    const temp = tempDir();
    const path = join(temp.dir, 'jobs.db');
    const log = join(temp.dir, 'runs.log');
    writeFileSync(log, '');
    const runs = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
    // The minute spans the Berlin DST change (01:00 UTC on 29 March 2026).
    const start = Date.UTC(2026, 2, 29, 0, 59, 30);
    const bundle = await bundleFixture('cron-worker.ts');
    const children = [startFixture(bundle, [path, log, String(start), 'A']), startFixture(bundle, [path, log, String(start), 'B'])];
    const observer = await createQueueEngine({ path, clock: new FakeClock(start), idleCheckInterval: 10 });
    const queue = new Queue('cron', { connection: observer });
    try {
      await Promise.all(children.map((c) => c.ready));
      // Both processes upsert the same scheduler at once, then both run workers and the engine's sweeps.
      await Promise.all(children.map((c) => ask(c.child, { upsert: true })));
      expect(await queue.getJobSchedulersCount()).toBe(1);
      expect((await queue.getJobs(['delayed'])).map((j) => j.id)).toEqual([`repeat:every-second:${start + 1000}`]);
      for (let second = 1; second <= 60; second++) {
        await Promise.all(children.map((c) => ask(c.child, { now: start + second * 1000 })));
        await until(() => runs().length >= second);
      }
      // Settled: the next slot is pending and nothing is waiting or running, so no late duplicate can come.
      await until(async () => {
        const counts = await queue.getJobCounts('waiting', 'active');
        return (await queue.getJobScheduler('every-second'))?.next === start + 61_000 && counts.waiting + counts.active === 0;
      });
      const lines = runs();
      const ids = lines.map((l) => l.split(' ')[0]);
      expect(ids).toEqual(Array.from({ length: 60 }, (_, i) => `repeat:every-second:${start + (i + 1) * 1000}`));
      const byProcess = { A: lines.filter((l) => l.endsWith(' A')).length, B: lines.filter((l) => l.endsWith(' B')).length };
      console.log(`60 slots, 60 runs; run by process A: ${byProcess.A}, B: ${byProcess.B}`);
    } finally {
      for (const c of children) c.child.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await queue.close();
      await observer.close();
      temp.cleanup();
      rmSync(bundle, { force: true });
    }
  });
});
