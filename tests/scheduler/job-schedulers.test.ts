import { afterEach, describe, expect, it } from 'vitest';
import { Queue, ValidationError, Worker } from '../../src_refactored/index.js';
import { until, openSameStore } from '../support/engine-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { HOUR, MINUTE, iso, schedulerHarness } from './scheduler-harness.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

describe('job schedulers', () => {
  let h: Awaited<ReturnType<typeof schedulerHarness>>;
  afterEach(() => h?.close());

  it('every: one pending job repeat:<id>:<slot>, aligned slots, the next created when the current starts', async () => {
    h = await schedulerHarness(T0 + 400);
    const first = await h.queue.upsertJobScheduler('tick', { every: 1000 }, { name: 'tick', data: { n: 1 } });
    expect(first?.id).toBe(`repeat:tick:${T0 + 1000}`);
    expect(await first?.getState()).toBe('delayed');
    expect(await h.pendingIds()).toEqual([`repeat:tick:${T0 + 1000}`]);
    h.startWorker();
    for (let i = 1; i <= 5; i++) await h.step(1000, i);
    expect(h.runs.map((r) => r.slot)).toEqual([1, 2, 3, 4, 5].map((i) => T0 + i * 1000));
    expect(h.runs[0].data).toEqual({ n: 1 });
    expect(await h.pendingIds()).toEqual([`repeat:tick:${T0 + 6000}`]);
    expect(await h.queue.getJobScheduler('tick')).toMatchObject({ key: 'tick', every: 1000, next: T0 + 6000, iterationCount: 6 });
  });

  it('the next iteration exists while the current one runs, so a failing job does not stop the schedule', async () => {
    h = await schedulerHarness(T0);
    await h.queue.upsertJobScheduler('flaky', { every: MINUTE });
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const worker = new Worker(
      'sched',
      async (job) => {
        seen.push(job.id);
        if (seen.length === 1) {
          expect(await h.pendingIds()).toEqual([`repeat:flaky:${T0 + 2 * MINUTE}`]);
          await blocked;
          throw new Error('boom');
        }
      },
      { connection: h.engine },
    );
    h.clock.advance(MINUTE);
    await until(() => seen.length === 1);
    release();
    await until(async () => (await h.queue.getJobCounts('failed')).failed === 1);
    h.clock.advance(MINUTE);
    await until(() => seen.length === 2);
    expect(seen).toEqual([`repeat:flaky:${T0 + MINUTE}`, `repeat:flaky:${T0 + 2 * MINUTE}`]);
    await worker.close();
  });

  it('after downtime the missed slots are skipped: one run, then the next slot after now', async () => {
    h = await schedulerHarness(T0);
    await h.queue.upsertJobScheduler('hourly', { pattern: '0 * * * *' });
    // Nothing runs for 5 hours (no worker), then one comes back.
    h.clock.advance(5 * HOUR + 10 * MINUTE);
    h.startWorker();
    await until(() => h.runs.length === 1);
    expect(h.runs[0].slot).toBe(T0 + HOUR);
    expect(await h.pendingIds()).toEqual([`repeat:hourly:${T0 + 6 * HOUR}`]);
    await h.step(50 * MINUTE, 2);
    expect(h.runs.map((r) => iso(r.slot))).toEqual([iso(T0 + HOUR), iso(T0 + 6 * HOUR)]);
  });

  it('cron with tz Europe/Berlin across the March DST change: each day once, 02:30 (missing that night) runs at 03:30', async () => {
    h = await schedulerHarness(Date.UTC(2026, 2, 27, 12, 0, 0));
    await h.queue.upsertJobScheduler('nightly', { pattern: '30 2 * * *', tz: 'Europe/Berlin' });
    h.startWorker();
    for (let day = 1; day <= 4; day++) await h.step(24 * HOUR, day);
    expect(h.slots()).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 03:30 CEST: 02:30 does not exist that night
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('cron with tz Europe/Berlin across the October DST change: 02:30 (which happens twice) runs once', async () => {
    h = await schedulerHarness(Date.UTC(2026, 9, 23, 12, 0, 0));
    await h.queue.upsertJobScheduler('nightly', { pattern: '30 2 * * *', tz: 'Europe/Berlin' });
    h.startWorker();
    // Step one hour at a time through the night so a doubled slot would show up: after each step, wait
    // until the due job (if any) ran and the pending one lies in the future.
    for (let hour = 1; hour <= 3 * 24; hour++) {
      h.clock.advance(HOUR);
      await until(async () => {
        const counts = await h.queue.getJobCounts('waiting', 'active');
        return (await h.queue.getJobScheduler('nightly'))!.next! > h.clock.now() && counts.waiting + counts.active === 0;
      });
    }
    expect(h.slots()).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('hourly cron in Europe/Berlin through both DST nights: every real hour exactly once', async () => {
    for (const start of [Date.UTC(2026, 2, 28, 20, 0, 0), Date.UTC(2026, 9, 24, 20, 0, 0)]) {
      h = await schedulerHarness(start);
      await h.queue.upsertJobScheduler('hourly', { pattern: '0 * * * *', tz: 'Europe/Berlin' });
      h.startWorker();
      for (let i = 1; i <= 12; i++) await h.step(HOUR, i);
      expect(h.runs.map((r) => r.slot)).toEqual(Array.from({ length: 12 }, (_, i) => start + (i + 1) * HOUR));
      await h.close();
    }
  });

  it('every across both DST changes is plain elapsed time: 24 runs in 24 hours, one per hour', async () => {
    for (const start of [Date.UTC(2026, 2, 28, 12, 0, 0), Date.UTC(2026, 9, 24, 12, 0, 0)]) {
      h = await schedulerHarness(start);
      await h.queue.upsertJobScheduler('hourly', { every: HOUR, tz: 'Europe/Berlin' });
      h.startWorker();
      for (let i = 1; i <= 24; i++) await h.step(HOUR, i);
      expect(h.runs.map((r) => r.slot)).toEqual(Array.from({ length: 24 }, (_, i) => start + (i + 1) * HOUR));
      await h.close();
    }
  });

  it('limit: stops after `limit` jobs, and a re-upsert does not reset the count', async () => {
    h = await schedulerHarness(T0);
    await h.queue.upsertJobScheduler('three', { every: 1000, limit: 3 });
    h.startWorker();
    for (let i = 1; i <= 3; i++) await h.step(1000, i);
    h.clock.advance(10_000);
    await until(async () => (await h.queue.getJobScheduler('three'))?.next === undefined);
    expect(await h.pendingIds()).toEqual([]);
    expect(h.runs).toHaveLength(3);
    expect(await h.queue.upsertJobScheduler('three', { every: 1000, limit: 3 })).toBeUndefined();
    expect(await h.queue.getJobScheduler('three')).toMatchObject({ iterationCount: 3, limit: 3 });
  });

  it('startDate: the first run is at startDate (every slots aligned to it), none before', async () => {
    h = await schedulerHarness(T0);
    const startDate = T0 + 90 * MINUTE + 123;
    const job = await h.queue.upsertJobScheduler('later', { every: HOUR, startDate: new Date(startDate) });
    expect(job?.id).toBe(`repeat:later:${startDate}`);
    const cron = await h.queue.upsertJobScheduler('cron-later', { pattern: '0 * * * *', startDate: iso(T0 + 3 * HOUR) });
    expect(cron?.id).toBe(`repeat:cron-later:${T0 + 3 * HOUR}`);
    h.startWorker();
    await h.step(90 * MINUTE + 123, 1);
    await h.step(HOUR, 2);
    expect(h.runs.map((r) => r.id)).toEqual([`repeat:later:${startDate}`, `repeat:later:${startDate + HOUR}`]);
  });

  it('endDate: no job after endDate; a past endDate is refused with BullMQ wording', async () => {
    h = await schedulerHarness(T0);
    await h.queue.upsertJobScheduler('short', { every: MINUTE, endDate: T0 + 2 * MINUTE + 1 });
    h.startWorker();
    await h.step(MINUTE, 1);
    await h.step(MINUTE, 2);
    h.clock.advance(10 * MINUTE);
    await until(async () => (await h.queue.getJobScheduler('short'))?.next === undefined);
    expect(h.runs).toHaveLength(2);
    await expect(h.queue.upsertJobScheduler('past', { every: 1000, endDate: T0 - 1 })).rejects.toThrow(
      'End date must be greater than current timestamp',
    );
    expect(await h.queue.getJobScheduler('past')).toBeUndefined();
  });

  it('immediately: the first job runs now, the following ones on the slots', async () => {
    h = await schedulerHarness(T0 + 250);
    const job = await h.queue.upsertJobScheduler('now', { every: 1000, immediately: true });
    expect(job?.id).toBe(`repeat:now:${T0 + 250}`);
    expect(await job?.getState()).toBe('waiting');
    h.startWorker();
    await until(() => h.runs.length === 1);
    await h.step(750, 2);
    expect(h.runs.map((r) => r.slot)).toEqual([T0 + 250, T0 + 1000]);
  });

  it('re-upsert with a changed rule or template replaces the pending job; the same definition keeps it', async () => {
    h = await schedulerHarness(T0);
    const a = await h.queue.upsertJobScheduler('s', { every: MINUTE }, { data: { v: 1 } });
    const same = await h.queue.upsertJobScheduler('s', { every: MINUTE }, { data: { v: 1 } });
    expect(same?.id).toBe(a?.id);
    expect(await h.pendingIds()).toEqual([a!.id]);
    const changed = await h.queue.upsertJobScheduler('s', { every: HOUR }, { data: { v: 2 } });
    expect(changed?.id).toBe(`repeat:s:${T0 + HOUR}`);
    expect(await h.pendingIds()).toEqual([changed!.id]);
    const retemplated = await h.queue.upsertJobScheduler('s', { every: HOUR }, { data: { v: 3 } });
    expect(retemplated?.id).toBe(changed?.id);
    expect((await h.queue.getJob(retemplated!.id))?.data).toEqual({ v: 3 });
    expect(await h.queue.getJobSchedulersCount()).toBe(1);
  });

  it('two concurrent upserts of one id (two engines on one file) leave one scheduler and one pending job', async () => {
    h = await schedulerHarness(T0);
    const second = await openSameStore(h.path, { clock: new FakeClock(T0), idleCheckInterval: 10 });
    const q2 = new Queue('sched', { connection: second });
    try {
      await Promise.all([
        h.queue.upsertJobScheduler('dup', { every: MINUTE }, { data: { from: 1 } }),
        q2.upsertJobScheduler('dup', { every: 2 * MINUTE }, { data: { from: 2 } }),
        h.queue.upsertJobScheduler('dup', { every: MINUTE }, { data: { from: 1 } }),
        q2.upsertJobScheduler('dup', { every: 2 * MINUTE }, { data: { from: 2 } }),
      ]);
      expect(await h.queue.getJobSchedulersCount()).toBe(1);
      const pending = await h.pendingIds();
      expect(pending).toHaveLength(1);
      const scheduler = await h.queue.getJobScheduler('dup');
      expect(pending[0]).toBe(`repeat:dup:${scheduler!.next}`);
      expect((await h.queue.getJob(pending[0]))?.data).toEqual(scheduler!.template.data);
    } finally {
      await q2.close();
      await second.close();
    }
  });

  it('BullMQ validation messages, nothing stored on a refused call', async () => {
    h = await schedulerHarness(T0);
    await expect(h.queue.upsertJobScheduler('x', { every: 1000, pattern: '* * * * *' })).rejects.toThrow(
      'Both .pattern and .every options are defined for this repeatable job',
    );
    await expect(h.queue.upsertJobScheduler('x', {})).rejects.toThrow('Either .pattern or .every options must be defined for this repeatable job');
    await expect(h.queue.upsertJobScheduler('x', { every: 1000, immediately: true, startDate: T0 + 1 })).rejects.toThrow(
      'Both .immediately and .startDate options are defined for this repeatable job',
    );
    await expect(h.queue.upsertJobScheduler('x', { pattern: 'not a cron' })).rejects.toBeInstanceOf(ValidationError);
    await expect(h.queue.upsertJobScheduler('x', { pattern: '* * * * *', tz: 'Mars/Olympus' })).rejects.toMatchObject({ field: 'repeat.tz' });
    await expect(h.queue.upsertJobScheduler('x', { every: -5 })).rejects.toMatchObject({ field: 'repeat.every' });
    await expect(h.queue.upsertJobScheduler('x', { every: 5 }, { opts: { delay: 5 } as never })).rejects.toMatchObject({ field: 'template.opts.delay' });
    expect(await h.queue.getJobSchedulersCount()).toBe(0);
    expect(await h.queue.count()).toBe(0);
  });

  it('getJobSchedulers lists by next run, removeJobScheduler removes the scheduler and its pending job', async () => {
    h = await schedulerHarness(T0);
    await h.queue.upsertJobScheduler('b', { every: 2 * MINUTE });
    await h.queue.upsertJobScheduler('a', { every: MINUTE });
    await h.queue.upsertJobScheduler('c', { pattern: '0 0 * * *', tz: 'Europe/Berlin' }, { name: 'daily', data: { x: 1 }, opts: { attempts: 3 } });
    expect((await h.queue.getJobSchedulers(0, -1, true)).map((s) => s.key)).toEqual(['a', 'b', 'c']);
    expect((await h.queue.getJobSchedulers()).map((s) => s.key)).toEqual(['c', 'b', 'a']);
    expect(await h.queue.getJobScheduler('c')).toMatchObject({ name: 'daily', pattern: '0 0 * * *', tz: 'Europe/Berlin', template: { data: { x: 1 }, opts: { attempts: 3 } } });
    expect(await h.queue.removeJobScheduler('a')).toBe(true);
    expect(await h.queue.removeJobScheduler('a')).toBe(false);
    expect(await h.pendingIds()).toHaveLength(2);
    expect(await h.queue.getJobScheduler('a')).toBeUndefined();
  });

  it("the v5 `repeat` job option upserts a scheduler (idempotent per name and rule)", async () => {
    h = await schedulerHarness(T0);
    const job = await h.queue.add('report', { r: 1 }, { repeat: { pattern: '*/5 * * * *' }, attempts: 2 });
    expect(job.id).toBe(`repeat:report:*/5 * * * *:${T0 + 5 * MINUTE}`);
    expect(job.opts).toMatchObject({ attempts: 2, repeatJobKey: 'report:*/5 * * * *' });
    expect(job.repeatJobKey).toBe('report:*/5 * * * *');
    await h.queue.add('report', { r: 1 }, { repeat: { pattern: '*/5 * * * *' }, attempts: 2 });
    expect(await h.queue.getJobSchedulersCount()).toBe(1);
    await expect(h.queue.addBulk([{ name: 'x', data: {}, opts: { repeat: { every: 10 } } }])).rejects.toMatchObject({ field: 'jobs[0].opts.repeat' });
    await expect(h.queue.add('report', {}, { repeat: { every: 10, endDate: T0 - 1 } })).rejects.toThrow(
      'End date must be greater than current timestamp',
    );
    h.startWorker();
    await h.step(5 * MINUTE, 1);
    expect(h.runs[0].data).toEqual({ r: 1 });
  });

  it('a scheduler whose pending job was drained gets a new one for its next slot (the schedule does not stop)', async () => {
    h = await schedulerHarness(T0);
    await h.queue.upsertJobScheduler('kept-alive', { every: MINUTE });
    await h.queue.drain(true);
    expect(await h.pendingIds()).toEqual([]);
    h.startWorker();
    await h.step(MINUTE + 30_000, 0);
    await until(async () => (await h.pendingIds()).length === 1);
    expect(await h.pendingIds()).toEqual([`repeat:kept-alive:${T0 + 2 * MINUTE}`]);
    await h.step(30_000, 1);
    expect(h.runs.map((r) => r.slot)).toEqual([T0 + 2 * MINUTE]);
  });

  it('a clock that goes back does not repeat runs: the pending job waits for its slot', async () => {
    h = await schedulerHarness(T0);
    await h.queue.upsertJobScheduler('steady', { every: MINUTE });
    h.startWorker();
    await h.step(MINUTE, 1);
    h.clock.set(T0 - 10 * MINUTE);
    await h.step(12 * MINUTE, 2);
    await h.step(MINUTE, 3);
    expect(h.runs.map((r) => r.slot)).toEqual([T0 + MINUTE, T0 + 2 * MINUTE, T0 + 3 * MINUTE]);
    expect(await h.pendingIds()).toEqual([`repeat:steady:${T0 + 4 * MINUTE}`]);
  });
});
