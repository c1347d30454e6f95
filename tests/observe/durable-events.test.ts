import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Queue, QueueEvents, Worker, type QueueEngine } from '../../src_refactored/index.js';
import { nextEvent, until, freshStore, openSameStore } from '../support/engine-fixture.js';
import { testBackend } from '../support/test-backend.js';

type Seen = { event: string; jobId: string | undefined; id: string; args: Record<string, unknown> };

const WATCHED = ['added', 'waiting', 'active', 'progress', 'completed', 'failed', 'retries-exhausted', 'removed', 'paused', 'resumed', 'cleaned', 'duplicated', 'delayed', 'drained'] as const;

function record(events: QueueEvents, into: Seen[]): void {
  for (const name of WATCHED) {
    events.on(name, (args: Record<string, unknown>, id: string) => into.push({ event: name, jobId: args.jobId as string | undefined, id, args }));
  }
}

describe('durable QueueEvents', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function twoEngines() {
    const temp = await freshStore('jobs.db');
    const path = temp.path;
    const producer = await openSameStore(path, { idleCheckInterval: 10 });
    const observer = await openSameStore(path, { idleCheckInterval: 10, changePollInterval: 5 });
    cleanups.push(temp.cleanup, () => producer.close(), () => observer.close());
    return { path, producer, observer };
  }

  it('a second engine on the same file receives added, active, progress, completed in order', async () => {
    const { producer, observer } = await twoEngines();
    const events = new QueueEvents('mail', { connection: observer });
    await events.waitUntilReady();
    const seen: Seen[] = [];
    record(events, seen);
    const completed = nextEvent(events, 'completed');

    const queue = new Queue('mail', { connection: producer });
    const worker = new Worker('mail', async (job) => {
      await job.updateProgress(50);
      return { sent: true };
    }, { connection: producer });
    cleanups.push(() => worker.close(), () => queue.close());
    const job = await queue.add('welcome', { to: 'a@example.com' });
    const [args] = await completed;

    expect(args).toEqual({ jobId: job.id, returnvalue: { sent: true }, prev: 'active' });
    const forJob = seen.filter((s) => s.jobId === job.id).map((s) => s.event);
    expect(forJob).toEqual(['added', 'waiting', 'active', 'progress', 'completed']);
    expect(seen.find((s) => s.event === 'progress')!.args).toEqual({ jobId: job.id, data: 50 });
    expect(seen.find((s) => s.event === 'added')!.args).toEqual({ jobId: job.id, name: 'welcome' });
    const ids = seen.map((s) => Number(s.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    await events.close();
  });

  // The SQLite file's event buffer (sqlite-event-bus.ts); the PostgreSQL bus writes asynchronously.
  it.runIf(testBackend === 'sqlite')('stores the events of a loop of awaited add() calls every 100 adds, before the loop ends its turn', async () => {
    const { path, producer } = await twoEngines();
    const queue = new Queue('loop', { connection: producer });
    await queue.add('first', {});
    await new Promise((resolve) => setImmediate(resolve));
    // What another process (or a restart after a crash) finds in the file.
    const reader = new Database(path, { readonly: true });
    cleanups.push(() => void reader.close());
    const stored = () => reader.prepare<[], number>("SELECT coalesce(sum(count), 0) FROM events WHERE queue = 'loop'").pluck().get()!;
    expect(stored()).toBe(2);

    let turnEnded = false;
    setImmediate(() => (turnEnded = true));
    for (let i = 0; i < 150; i++) await queue.add('job', { i });
    expect(turnEnded).toBe(false);
    // 150 adds published 300 events (added, waiting): the first 200 were written once buffered, the
    // other 100 wait for the end of the turn (before, all of them did, up to 2 000).
    expect(stored()).toBe(2 + 200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stored()).toBe(2 + 300);
  });

  it('resumes from lastEventId after a restart without gaps or repeats', async () => {
    const { path, producer, observer } = await twoEngines();
    const queue = new Queue('mail', { connection: producer });
    cleanups.push(() => queue.close());

    const first = new QueueEvents('mail', { connection: observer });
    await first.waitUntilReady();
    const before: Seen[] = [];
    record(first, before);
    for (let i = 0; i < 5; i++) await queue.add('a', { i });
    await until(() => before.filter((s) => s.event === 'added').length === 5);
    const resumeFrom = first.lastEventId!;
    expect(resumeFrom).toBe(before.at(-1)!.id);
    await first.close();
    await observer.close(); // the observing process goes away…

    for (let i = 5; i < 12; i++) await queue.add('a', { i }); // …while the producer goes on
    await queue.pause();

    const reopened = await openSameStore(path, { idleCheckInterval: 10, changePollInterval: 5 });
    cleanups.push(() => reopened.close());
    const second = new QueueEvents('mail', { connection: reopened, lastEventId: resumeFrom });
    const after: Seen[] = [];
    record(second, after);
    await until(() => after.some((s) => s.event === 'paused'));

    const addedAfter = after.filter((s) => s.event === 'added').map((s) => s.args);
    expect(addedAfter.map((a) => a.jobId)).toEqual(['6', '7', '8', '9', '10', '11', '12']);
    const all = [...before, ...after].map((s) => Number(s.id));
    expect(new Set(all).size).toBe(all.length); // no repeats
    expect(Number(after[0].id)).toBeGreaterThan(Number(resumeFrom));
    // no gaps: every stored id between the two sessions was delivered to one of them
    const firstId = Number(before[0].id);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => firstId + i));
    await second.close();
  });

  it('delivers events to listeners in the same engine with their durable id, and waitUntilFinished works', async () => {
    const temp = await freshStore('x.db');
    const engine: QueueEngine = await openSameStore(temp.path, { idleCheckInterval: 10 });
    cleanups.push(temp.cleanup, () => engine.close());
    const queue = new Queue('q', { connection: engine });
    const events = new QueueEvents('q', { connection: engine });
    const worker = new Worker('q', async (job) => {
      if ((job.data as { fail?: boolean }).fail) throw new Error('boom');
      return 42;
    }, { connection: engine });
    cleanups.push(() => worker.close(), () => events.close(), () => queue.close());
    const ok = await queue.add('ok', {});
    const bad = await queue.add('bad', { fail: true });
    await expect(ok.waitUntilFinished(events, 5000)).resolves.toBe(42);
    await expect(bad.waitUntilFinished(events, 5000)).rejects.toThrow('boom');
    const slow = await queue.add('slow', {}, { delay: 60_000 });
    await expect(slow.waitUntilFinished(events, 50)).rejects.toThrow(`Job wait ${slow.id} timed out before finishing`);
  });

  it('carries BullMQ payloads for queue management events, read from another engine', async () => {
    const { producer, observer } = await twoEngines();
    const events = new QueueEvents('ops', { connection: observer });
    await events.waitUntilReady();
    const seen: Seen[] = [];
    record(events, seen);
    const queue = new Queue('ops', { connection: producer });
    cleanups.push(() => queue.close());
    const later = await queue.add('later', {}, { delay: 60_000, jobId: 'later-1' });
    await queue.add('later', {}, { jobId: 'later-1' });
    await queue.remove('later-1');
    await queue.pause();
    await queue.resume();
    const flaky = await queue.add('flaky', {}, { attempts: 2 });
    const worker = new Worker('ops', async () => {
      throw new Error('always');
    }, { connection: producer });
    cleanups.push(() => worker.close());
    await until(() => seen.some((s) => s.event === 'drained'));
    await queue.clean(0, 10, 'failed');
    await until(() => seen.some((s) => s.event === 'cleaned'));

    const args = (event: string) => seen.filter((s) => s.event === event).map((s) => s.args);
    expect(args('delayed')).toEqual([{ jobId: 'later-1', delay: later.timestamp + 60_000 }]);
    expect(args('duplicated')).toEqual([{ jobId: 'later-1' }]);
    expect(args('removed')).toEqual([{ jobId: 'later-1' }]);
    expect(args('paused')).toEqual([{}]);
    expect(args('resumed')).toEqual([{}]);
    expect(args('failed')).toEqual([{ jobId: flaky.id, failedReason: 'always', prev: 'active' }]);
    expect(args('retries-exhausted')).toEqual([{ jobId: flaky.id, attemptsMade: 2 }]);
    expect(args('waiting').filter((a) => a.jobId === flaky.id)).toEqual([{ jobId: flaky.id }, { jobId: flaky.id, prev: 'active' }]);
    expect(args('drained')).toEqual([{}]);
    expect(args('cleaned')).toEqual([{ count: 1 }]);
    await events.close();
  });

  it('resumes from any event id, also one in the middle of a bulk, and pages through more than 500 events', async () => {
    const temp = await freshStore('mid.db');
    const engine = await openSameStore(temp.path);
    cleanups.push(temp.cleanup, () => engine.close());
    const queue = new Queue('bulk', { connection: engine });
    cleanups.push(() => queue.close());
    // One addBulk: its 800 events ('added' + 'waiting' per job) are stored by one commit.
    await queue.addBulk(Array.from({ length: 400 }, (_, i) => ({ name: 'x', data: { i } })));
    const latest = Number(await engine.eventStream.latestId('bulk'));
    for (const back of [799, 555, 1]) {
      const events = new QueueEvents('bulk', { connection: engine, lastEventId: String(latest - back - 1) });
      const ids: number[] = [];
      const jobs: string[] = [];
      events.on('added', (args, id) => (ids.push(Number(id)), jobs.push(args.jobId)));
      events.on('waiting', (_args, id) => ids.push(Number(id)));
      await until(() => ids.at(-1) === latest);
      await events.close();
      expect(ids, `resumed ${back + 1} events back`).toEqual(Array.from({ length: back + 1 }, (_, k) => latest - back + k));
      expect(jobs.at(-1)).toBe('400');
    }
  });

  it('trims each queue to about maxLen events with bounded work', async () => {
    const temp = await freshStore('t.db');
    const engine = await openSameStore(temp.path, { events: { maxLen: 100 } });
    cleanups.push(temp.cleanup, () => engine.close());
    const queue = new Queue('t', { connection: engine });
    cleanups.push(() => queue.close());
    for (let i = 0; i < 10; i++) await queue.addBulk(Array.from({ length: 50 }, () => ({ name: 'x', data: {} })));
    const latest = await engine.eventStream.latestId('t');
    const events = new QueueEvents('t', { connection: engine, lastEventId: '0' });
    const ids: string[] = [];
    events.on('added', (_args, id) => ids.push(id));
    events.on('waiting', (_args, id) => ids.push(id));
    await until(() => ids.at(-1) === latest);
    // 1 000 events were written (added + waiting per job); maxLen remain, plus less than one trim interval.
    expect(ids.length).toBeGreaterThanOrEqual(100);
    expect(ids.length).toBeLessThan(110);
    expect(Number(ids[0])).toBe(Number(latest) - ids.length + 1);
    await events.close();
  });

  it('never hands out an event id twice: ids keep growing past trimming, across engines and reopening', async () => {
    const temp = await freshStore('ids.db');
    cleanups.push(temp.cleanup);
    const seen: number[] = [];
    for (const round of [0, 1, 2]) {
      // maxLen 1: each trim leaves one event per queue, the newest (the next id is max(id) + 1).
      const engine = await openSameStore(temp.path, { events: { maxLen: 1 } });
      for (const name of ['a', 'b']) {
        const queue = new Queue(name, { connection: engine });
        for (let i = 0; i < 3; i++) await queue.add('x', { round, i });
        await queue.close();
        seen.push(Number(await engine.eventStream.latestId(name)));
      }
      await engine.close();
    }
    expect(seen.every((id, i) => i === 0 || id > seen[i - 1]), `ids ${seen.join(' ')}`).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
