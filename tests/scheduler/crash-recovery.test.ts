import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Queue, Worker } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { openEngine, until } from '../support/engine-fixture.js';
import { bundleFixture, startFixture } from './child-process.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 20);
const JOBS_PER_ROUND = 8;
const LOCK = 1000;
const STALLED_INTERVAL = 100;

/** Resolves once the child has printed `count` lines `active <id>`. */
function activeLines(child: ChildProcess, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onData = (chunk: Buffer) => {
      seen += chunk.toString().split('\n').filter((l) => l.startsWith('active ')).length;
      if (seen >= count) {
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
  });
}

describe('crash recovery with real processes', () => {
  const spawned: ChildProcess[] = [];
  afterAll(() => spawned.forEach((c) => c.kill('SIGKILL')));

  it(`SIGKILL of a worker process at ${ROUNDS} random points: a second worker recovers every job, each completes once`, async () => {
    const clock = new FakeClock();
    const opened = await openEngine('wal-file', { clock });
    const queue = new Queue('crash', { connection: opened.engine });
    // Children start ahead of their round (start-up is the slow part); each waits for `{ now }`.
    const bundle = await bundleFixture('crash-worker.ts');
    const start = () => {
      const fixture = startFixture(bundle, [opened.path, 'crash', String(LOCK)]);
      spawned.push(fixture.child);
      return fixture;
    };
    const pool = [start(), start(), start()];
    const ids: string[] = [];
    const stalledPerRound: number[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const current = pool.shift()!;
        if (round + pool.length + 1 < ROUNDS) pool.push(start());
        const jobs = await queue.addBulk(Array.from({ length: JOBS_PER_ROUND }, (_, i) => ({ name: `r${round}`, data: { i } })));
        ids.push(...jobs.map((j) => j.id));
        await current.ready;
        // Kill at a random point: after the k-th job started, plus up to 10 ms.
        const started = activeLines(current.child, 1 + Math.floor(Math.random() * JOBS_PER_ROUND));
        current.child.send({ now: clock.now() });
        await started;
        await new Promise((r) => setTimeout(r, Math.random() * 10));
        current.child.kill('SIGKILL');
        await current.exited;
        const activeAtKill = (await queue.getJobCounts('active')).active;

        const stalled: string[] = [];
        const recovery = new Worker('crash', async (job) => `parent:${job.id}`, {
          connection: opened.engine,
          lockDuration: LOCK,
          stalledInterval: STALLED_INTERVAL,
        });
        recovery.on('stalled', (id: string) => stalled.push(id));
        clock.advance(LOCK + STALLED_INTERVAL + 1);
        await until(async () => (await queue.getJobCounts('completed')).completed === ids.length, 15_000);
        await recovery.close();
        expect(stalled).toHaveLength(activeAtKill);
        stalledPerRound.push(stalled.length);
        if (process.env.CRASH_DEBUG) console.log(`round ${round} ${performance.now().toFixed(0)} stalled ${stalled.length}`);
      }
      const counts = await queue.getJobCounts();
      expect(counts).toMatchObject({ completed: ROUNDS * JOBS_PER_ROUND, waiting: 0, active: 0, delayed: 0, failed: 0 });
      const finished = await queue.getJobs(['completed']);
      expect(new Set(finished.map((j) => j.id))).toEqual(new Set(ids));
      for (const job of finished) {
        // Recorded once: one counted attempt, the result of the process that completed it.
        expect(job.attemptsMade).toBe(1);
        expect(job.returnvalue).toMatch(new RegExp(`^(child|parent):${job.id}$`));
      }
      expect(stalledPerRound.filter((n) => n > 0).length).toBeGreaterThan(ROUNDS / 2);
      console.log(`stalled jobs recovered per round: ${stalledPerRound.join(' ')}`);
    } finally {
      for (const rest of pool) rest.child.kill('SIGKILL');
      await queue.close();
      await opened.close();
      rmSync(bundle, { force: true });
    }
  });
});
