import { afterEach, describe, expect, it } from 'vitest';
import { createQueueEngine, Queue, Worker, type Job, type QueueEngine } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { nextEvent, openEngine, until } from '../support/engine-fixture.js';

// Sleep/resume and manual clock changes, driven by a FakeClock. Job schedulers (issue 3) are built
// elsewhere; here: live locks, the stalled sweep and delayed jobs.

const HOUR = 3_600_000;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setup() {
  const clock = new FakeClock();
  const store = await openEngine('wal-file', { clock });
  const queue = new Queue('jumpy', { connection: store.engine });
  closers.push(store.close, () => queue.close());
  return { clock, engine: store.engine, queue };
}

/** A worker whose processor waits for `release()`; counts runs per job and records stalled events. */
function gatedWorker(engine: QueueEngine) {
  const runs = new Map<string, number>();
  const stalled: string[] = [];
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const worker = new Worker(
    'jumpy',
    async (job: Job) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      await gate;
      return 'done';
    },
    { connection: engine, lockDuration: 30_000, stalledInterval: 5_000, concurrency: 2 },
  );
  worker.on('stalled', (id: string) => stalled.push(id));
  closers.push(() => worker.close(true));
  return { worker, runs, stalled, release: () => open() };
}

/** Two full sweeps (delayed promotion + stalled check) at the current fake time. */
async function sweepTwice(engine: QueueEngine) {
  await engine.scheduler.tick();
  await engine.scheduler.tick();
}

describe('clock jumps (sleep/resume)', () => {
  it('a forward jump far past the lock duration does not stall a job whose worker is alive', async () => {
    const { clock, engine, queue } = await setup();
    const { worker, runs, stalled, release } = gatedWorker(engine);
    const active = nextEvent(worker, 'active');
    const job = await queue.add('long', {});
    await active;
    clock.advance(HOUR); // the laptop slept for an hour mid-job
    await sweepTwice(engine);
    expect(await queue.getJobState(job.id)).toBe('active');
    expect((await queue.getJob(job.id))?.stalledCounter).toBe(0);
    const completed = nextEvent(worker, 'completed');
    release();
    await completed;
    expect(await queue.getJob(job.id)).toMatchObject({ attemptsMade: 1, stalledCounter: 0, returnvalue: 'done' });
    expect(runs.get(job.id)).toBe(1);
    expect(stalled).toEqual([]);
  });

  it('a backward jump and the jump back do not stall or re-run an active job', async () => {
    const { clock, engine, queue } = await setup();
    const { worker, runs, stalled, release } = gatedWorker(engine);
    const active = nextEvent(worker, 'active');
    const job = await queue.add('long', {});
    await active;
    clock.advance(-2 * HOUR); // NTP correction / manual change
    await sweepTwice(engine);
    clock.advance(2 * HOUR + 60_000); // and forward again, past the original lock expiry
    await sweepTwice(engine);
    expect(await queue.getJobState(job.id)).toBe('active');
    const completed = nextEvent(worker, 'completed');
    release();
    await completed;
    expect(runs.get(job.id)).toBe(1);
    expect(stalled).toEqual([]);
    expect(await queue.getJob(job.id)).toMatchObject({ attemptsMade: 1, stalledCounter: 0 });
  });

  it('a delayed job is not run early by a backward jump, runs once after a forward jump, and never again', async () => {
    const { clock, engine, queue } = await setup();
    const { worker, runs, release } = gatedWorker(engine);
    release();
    const job = await queue.add('later', {}, { delay: 60_000 });
    clock.advance(-HOUR);
    await sweepTwice(engine);
    expect(await queue.getJobState(job.id)).toBe('delayed');
    const completed = nextEvent(worker, 'completed');
    clock.advance(2 * HOUR);
    await completed;
    clock.advance(-2 * HOUR);
    await sweepTwice(engine);
    clock.advance(4 * HOUR);
    await sweepTwice(engine);
    expect(await queue.getJobState(job.id)).toBe('completed');
    expect(runs.get(job.id)).toBe(1);
    expect(await queue.getJobCounts('waiting', 'delayed', 'active', 'completed')).toEqual({ waiting: 0, delayed: 0, active: 0, completed: 1 });
  });

  it('a job whose worker is gone is still recovered after a forward jump (the jump does not hide real stalls)', async () => {
    const { clock, engine, queue } = await setup();
    const job = await queue.add('orphan', {});
    // Claim it under a token nobody renews: a worker process that died.
    const manual = new Worker('jumpy', null, { connection: engine, lockDuration: 30_000, autorun: false });
    closers.push(() => manual.close());
    expect((await manual.getNextJob('dead-process'))?.id).toBe(job.id);
    const { runs, release } = gatedWorker(engine);
    release();
    clock.advance(HOUR);
    await until(async () => (await queue.getJobState(job.id)) === 'completed');
    expect(runs.get(job.id)).toBe(1);
    expect((await queue.getJob(job.id))?.stalledCounter).toBe(1);
  });

  it('two processes on one file see the same jump: the other one does not take a live job before its owner renews', async () => {
    const clock = new FakeClock(); // one system clock, seen by both "processes" (two engines, two connections)
    const store = await openEngine('wal-file', { clock });
    const engineB = await createQueueEngine({ path: store.path, clock, idleCheckInterval: 10 });
    closers.push(store.close, () => engineB.close());
    const queue = new Queue('jumpy', { connection: store.engine });
    closers.push(() => queue.close());
    const { worker: workerA, runs, release } = gatedWorker(store.engine);
    const active = nextEvent(workerA, 'active');
    const job = await queue.add('long', {});
    await active;
    let runsOnB = 0;
    const workerB = new Worker('jumpy', async () => void (runsOnB += 1), { connection: engineB, stalledInterval: 1_000 });
    const stalledOnB: string[] = [];
    workerB.on('stalled', (id: string) => stalledOnB.push(id));
    closers.push(() => workerB.close(true));
    await engineB.scheduler.tick(); // B's baseline sweep before the jump

    clock.advance(HOUR); // resume after sleep: every lock in the file looks expired
    await engineB.scheduler.tick(); // B sweeps before A has renewed: it must hold off
    expect(await queue.getJobState(job.id)).toBe('active');
    const lockedUntil = () => store.engine.db.prepare('SELECT locked_until FROM jobs WHERE job_id = ?').pluck().get(job.id) as number;
    await until(() => lockedUntil() > clock.now()); // A renews on its next idle check
    const after = performance.now();
    await until(async () => (await engineB.scheduler.tick(), performance.now() - after > 50)); // B's hold is over
    expect(await queue.getJobState(job.id)).toBe('active');
    const completed = nextEvent(workerA, 'completed');
    release();
    await completed;
    expect(runs.get(job.id)).toBe(1);
    expect(runsOnB).toBe(0);
    expect(stalledOnB).toEqual([]);
    expect((await queue.getJob(job.id))?.stalledCounter).toBe(0);
  });
});
