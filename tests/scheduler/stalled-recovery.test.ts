import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker, type QueueEngine } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { nextEvent, openEngine, until, openSameStore } from '../support/engine-fixture.js';

const LOCK = 1000;
const INTERVAL = 200;

describe('stalled jobs', () => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  async function setup(idleCheckInterval = 10) {
    const clock = new FakeClock();
    const opened = await openEngine('wal-file', { clock, idleCheckInterval });
    const queue = new Queue('stall', { connection: opened.engine });
    cleanup.push(opened.close);
    return { clock, engine: opened.engine, path: opened.path, queue };
  }

  /** A worker that claims by hand and then "dies": it never renews nor completes. */
  function deadWorker(engine: QueueEngine) {
    const worker = new Worker('stall', null, { connection: engine, lockDuration: LOCK });
    cleanup.push(() => worker.close());
    return { claim: (token: string) => worker.getNextJob(token) };
  }

  function watcher(engine: QueueEngine, processor: () => Promise<unknown>, opts: Record<string, unknown> = {}) {
    const worker = new Worker('stall', processor, { connection: engine, lockDuration: LOCK, stalledInterval: INTERVAL, ...opts });
    cleanup.push(() => worker.close());
    return worker;
  }

  /**
   * Jumps the clock an hour past the running job's lock, waits until its worker renewed it and several
   * stalled sweeps with their grace period passed (a bounded real wait: nothing is expected to happen),
   * then lets the job finish.
   */
  async function jumpWhileRunning(clock: FakeClock, engine: QueueEngine, jobId: string, release: () => void) {
    clock.advance(3600_000);
    await until(async () => (await engine.queues.getJob('stall', jobId))!.lockedUntil! > clock.now());
    await new Promise((r) => setTimeout(r, 400));
    release();
    await until(async () => (await engine.queues.getState('stall', jobId)) === 'completed');
  }

  it('an expired lock goes back to waiting with stalledCounter + 1 and a stalled event; another worker completes it', async () => {
    const { clock, engine, queue } = await setup();
    const job = await queue.add('j', { v: 1 });
    expect((await deadWorker(engine).claim('dead'))?.id).toBe(job.id);
    const completed: string[] = [];
    const worker = watcher(engine, async () => 'ok');
    worker.on('completed', (j: { id: string }) => completed.push(j.id));
    const stalled = nextEvent<[string]>(worker, 'stalled');
    clock.advance(LOCK + INTERVAL + 1);
    expect((await stalled)[0]).toBe(job.id);
    await until(() => completed.length === 1);
    const stored = await queue.getJob(job.id);
    expect(stored).toMatchObject({ stalledCounter: 1, returnvalue: 'ok', attemptsMade: 1 });
    expect(await stored!.getState()).toBe('completed');
  });

  it('past maxStalledCount the job fails with BullMQ wording; removeOnFail is honoured', async () => {
    const { clock, engine, queue } = await setup();
    const kept = await queue.add('kept', {});
    const removed = await queue.add('removed', {}, { removeOnFail: true });
    const dead = deadWorker(engine);
    const worker = watcher(engine, async () => 'never', { maxStalledCount: 1 });
    await worker.pause(true);
    for (let round = 1; round <= 2; round++) {
      expect((await dead.claim(`dead-${round}-a`))?.id).toBe(kept.id);
      expect((await dead.claim(`dead-${round}-b`))?.id).toBe(removed.id);
      clock.advance(LOCK + INTERVAL + 1);
      if (round === 1) {
        await until(async () => (await queue.getJobCounts('waiting')).waiting === 2);
        expect((await queue.getJob(kept.id))?.stalledCounter).toBe(1);
      }
    }
    await until(async () => (await queue.getJobState(removed.id)) === 'unknown');
    await until(async () => (await queue.getJobState(kept.id)) === 'failed');
    expect(await queue.getJob(kept.id)).toMatchObject({ failedReason: 'job stalled more than allowable limit', stalledCounter: 2 });
  });

  it('a job whose lock is renewed is never touched, even when the clock jumps ahead of the lock', async () => {
    const { clock, engine, queue } = await setup();
    let release!: () => void;
    const running = new Promise<void>((r) => (release = r));
    const active: string[] = [];
    const worker = watcher(engine, async () => {
      active.push('x');
      await running;
      return 'done';
    }, { lockRenewTime: LOCK / 2 });
    const stalled: string[] = [];
    worker.on('stalled', (id: string) => stalled.push(id));
    const job = await queue.add('long', {});
    await until(() => active.length === 1);
    await jumpWhileRunning(clock, engine, job.id, release);
    expect(stalled).toEqual([]);
    expect((await queue.getJob(job.id))?.stalledCounter).toBe(0);
  });

  it('a clock jump seen first by another engine on the file does not stall a job whose worker is alive', async () => {
    // The owner renews on a slower tick (50 ms) than the sweeper sweeps (40 ms), so the sweeper usually
    // sees the expired lock first; its grace (160 ms real) covers the owner's renewal.
    const { clock, engine, path, queue } = await setup(40);
    const owner = await openSameStore(path, { clock, idleCheckInterval: 50 });
    cleanup.push(() => owner.close());
    let release!: () => void;
    const running = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const ownerWorker = new Worker('stall', async () => {
      started.push('x');
      await running;
      return 'alive';
    }, { connection: owner, lockDuration: LOCK, lockRenewTime: LOCK / 2 });
    cleanup.push(() => ownerWorker.close());
    const job = await queue.add('long', {});
    await until(() => started.length === 1);
    const sweeper = watcher(engine, async () => 'stolen');
    await sweeper.pause(true);
    const stalled: string[] = [];
    sweeper.on('stalled', (id: string) => stalled.push(id));
    await jumpWhileRunning(clock, engine, job.id, release);
    expect(stalled).toEqual([]);
    expect(await queue.getJob(job.id)).toMatchObject({ returnvalue: 'alive', stalledCounter: 0 });
  });
});
