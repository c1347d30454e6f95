import { sweepStalledNow } from '../support/stalled-sweep.js';
import { beforeEach, describe, expect, it } from 'vitest';
import type { IJobRepository } from '../../src_refactored/core/application/ports/job-repository.port.js';
import type { ClaimRequest, NewJob } from '../../src_refactored/core/application/ports/job-record.js';
import type { IQueueRepository } from '../../src_refactored/core/application/ports/queue-repository.port.js';

/**
 * The behaviour every IJobRepository adapter must have, written against the port only. An adapter
 * (SQLite today, PostgreSQL later) runs it by calling this with a factory for a fresh, empty store.
 */
export function describeJobRepositoryContract(
  adapter: string,
  open: () => Promise<{ repo: IJobRepository; queues: IQueueRepository; close: () => Promise<void> }>,
) {
  describe(`IJobRepository contract: ${adapter}`, () => {
    let repo: IJobRepository;
    let queues: IQueueRepository;
    let close: () => Promise<void>;
    const now = 1_000_000;

    beforeEach(async () => {
      ({ repo, queues, close } = await open());
      return () => close();
    });

    const newJob = (over: Partial<NewJob> = {}): NewJob => ({
      queue: 'q',
      name: 'n',
      dataJson: '{"x":1}',
      opts: {},
      priority: 0,
      lifo: false,
      delay: 0,
      maxAttempts: 1,
      ...over,
    });
    const claimReq = (token: string, limit = 1, queue = 'q'): ClaimRequest => ({ queue, token, limit, lockMs: 1000, workerName: 'w' });

    it('insert assigns per-queue counter ids and stores the job waiting', async () => {
      const [a, b] = await repo.insert([newJob(), newJob()], now);
      const [c] = await repo.insert([newJob({ queue: 'other' })], now);
      expect([a.record.id, b.record.id, c.record.id]).toEqual(['1', '2', '1']);
      expect(a.record).toMatchObject({ state: 'waiting', data: { x: 1 }, timestamp: now, attemptsMade: 0 });
      expect(await repo.getState('q', '2')).toBe('waiting');
      expect(await repo.getState('q', '3')).toBe('unknown');
    });

    it('insert of an existing custom id writes nothing and reports the duplicate', async () => {
      await repo.insert([newJob({ customId: 'c1', dataJson: '"first"' })], now);
      const [dup] = await repo.insert([newJob({ customId: 'c1', dataJson: '"second"' })], now + 5);
      expect(dup.duplicated).toBe(true);
      expect(dup.record.data).toBe('first');
      expect((await repo.countByStates('q', ['waiting'])).waiting).toBe(1);
    });

    it('insert is all-or-nothing', async () => {
      const broken = newJob({ name: null as unknown as string });
      await expect(repo.insert([newJob(), newJob(), broken], now)).rejects.toThrow();
      expect((await repo.countByStates('q', [])).waiting).toBe(0);
    });

    it('claim takes ready jobs in (priority, seq) order and locks them under the token', async () => {
      await repo.insert([newJob({ priority: 2 }), newJob(), newJob({ priority: 1 }), newJob({ delay: 50 })], now);
      const claimed = await repo.claim(claimReq('t1', 10), now);
      expect(claimed.map((j) => j.id)).toEqual(['2', '3', '1']);
      expect(claimed[0]).toMatchObject({ state: 'active', lockToken: 't1', lockedUntil: now + 1000, attemptsStarted: 1, processedOn: now });
      expect(await repo.claim(claimReq('t2', 10), now)).toEqual([]);
    });

    it('a paused queue claims nothing', async () => {
      await repo.insert([newJob()], now);
      await queues.setPaused('q', true);
      expect(await queues.isPaused('q')).toBe(true);
      expect(await repo.claim(claimReq('t1'), now)).toEqual([]);
      await queues.setPaused('q', false);
      expect((await repo.claim(claimReq('t1'), now)).map((j) => j.id)).toEqual(['1']);
    });

    it('settle is fenced by the token: a stale token changes nothing', async () => {
      await repo.insert([newJob()], now);
      const [job] = await repo.claim(claimReq('t1'), now);
      const stale = await repo.settle([{ kind: 'complete', queue: 'q', id: job.id, token: 'other', returnvalueJson: '1', retention: {} }], now);
      expect(stale.accepted).toEqual([false]);
      expect(await repo.getState('q', job.id)).toBe('active');
      const ok = await repo.settle([{ kind: 'complete', queue: 'q', id: job.id, token: 't1', returnvalueJson: '"r"', retention: {} }], now + 1);
      expect(ok.accepted).toEqual([true]);
      expect(await repo.findById('q', job.id)).toMatchObject({ state: 'completed', returnvalue: 'r', finishedOn: now + 1, attemptsMade: 1, lockToken: null });
      const again = await repo.settle([{ kind: 'complete', queue: 'q', id: job.id, token: 't1', returnvalueJson: '"r2"', retention: {} }], now + 2);
      expect(again.accepted).toEqual([false]);
    });

    it('settle can claim the next jobs in the same call', async () => {
      await repo.insert([newJob(), newJob()], now);
      const [first] = await repo.claim(claimReq('t1'), now);
      const result = await repo.settle([{ kind: 'complete', queue: 'q', id: first.id, token: 't1', returnvalueJson: 'null', retention: {} }], now, claimReq('t2'));
      expect(result.claimed.map((j) => j.id)).toEqual(['2']);
    });

    it('retry moves the job to waiting (back of the queue) or delayed, counting the attempt', async () => {
      await repo.insert([newJob({ maxAttempts: 3 }), newJob()], now);
      const [job] = await repo.claim(claimReq('t1'), now);
      await repo.settle([{ kind: 'retry', queue: 'q', id: job.id, token: 't1', failedReason: 'boom', stacktrace: ['s'], runAt: null }], now);
      expect(await repo.findById('q', job.id)).toMatchObject({ state: 'waiting', attemptsMade: 1, failedReason: 'boom' });
      const [next] = await repo.claim(claimReq('t2'), now);
      expect(next.id).toBe('2');
      const [again] = await repo.claim(claimReq('t3'), now);
      await repo.settle([{ kind: 'retry', queue: 'q', id: again.id, token: 't3', failedReason: 'x', stacktrace: [], runAt: now + 500 }], now);
      expect(await repo.findById('q', again.id)).toMatchObject({ state: 'delayed', runAt: now + 500, attemptsMade: 2 });
      expect(await repo.nextDueAt()).toBe(now + 500);
    });

    it('fail with retention count 0 removes the job', async () => {
      await repo.insert([newJob()], now);
      const [job] = await repo.claim(claimReq('t1'), now);
      await repo.settle([{ kind: 'fail', queue: 'q', id: job.id, token: 't1', failedReason: 'x', stacktrace: [], retention: { count: 0 } }], now);
      expect(await repo.getState('q', job.id)).toBe('unknown');
    });

    it('retention by count keeps the newest finished jobs', async () => {
      await repo.insert(Array.from({ length: 5 }, () => newJob()), now);
      const claimed = await repo.claim(claimReq('t', 5), now);
      for (const [i, job] of claimed.entries()) {
        await repo.settle([{ kind: 'complete', queue: 'q', id: job.id, token: 't', returnvalueJson: 'null', retention: { count: 2 } }], now + i);
      }
      const kept = await repo.list('q', ['completed'], 0, -1, false);
      expect(kept.map((j) => j.id)).toEqual(['5', '4']);
    });

    it('promoteDue moves due delayed jobs to waiting in due-time order', async () => {
      await repo.insert([newJob({ delay: 300 }), newJob({ delay: 100 }), newJob({ delay: 200 }), newJob({ delay: 10_000 })], now);
      expect(await repo.promoteDue(now + 250)).toEqual([{ queue: 'q', ids: ['2', '3'] }]);
      const claimed = await repo.claim(claimReq('t', 10), now + 250);
      expect(claimed.map((j) => j.id)).toEqual(['2', '3']);
      expect(await repo.nextDueAt()).toBe(now + 300);
    });

    it('extendLocks renews held locks and reports lost ones', async () => {
      await repo.insert([newJob(), newJob()], now);
      const [a, b] = await repo.claim(claimReq('t', 2), now);
      const renewals = await repo.extendLocks(
        [
          { queue: 'q', id: a.id, token: 't' },
          { queue: 'q', id: b.id, token: 'wrong' },
        ],
        now + 5000,
      );
      expect(renewals.map((r) => r.held)).toEqual([true, false]);
      expect((await repo.findById('q', a.id))!.lockedUntil).toBe(now + 5000);
    });

    it('stalled recovery returns expired jobs to waiting, then fails them past the limit', async () => {
      await repo.insert([newJob()], now);
      await repo.claim(claimReq('t1'), now);
      expect(await sweepStalledNow(repo, 'q', now + 999, 1)).toEqual({ recovered: [], failed: [] });
      expect(await sweepStalledNow(repo, 'q', now + 1001, 1)).toEqual({ recovered: [{ queue: 'q', id: '1' }], failed: [] });
      expect(await repo.findById('q', '1')).toMatchObject({ state: 'waiting', stalledCounter: 1 });
      await repo.claim(claimReq('t2'), now + 2000);
      expect(await sweepStalledNow(repo, 'q', now + 5000, 1)).toEqual({ recovered: [], failed: [{ queue: 'q', id: '1' }] });
      expect(await repo.findById('q', '1')).toMatchObject({ state: 'failed', failedReason: 'job stalled more than allowable limit' });
    });

    it('progress, data and logs are fenced when a token is given', async () => {
      await repo.insert([newJob()], now);
      const [job] = await repo.claim(claimReq('t'), now);
      expect(await repo.updateProgress('q', job.id, '50', 'wrong')).toBe(false);
      expect(await repo.updateProgress('q', job.id, '50', 't')).toBe(true);
      expect(await repo.updateData('q', job.id, '{"step":2}', 't')).toBe(true);
      expect(await repo.addLog('q', job.id, 'one', undefined, 't')).toBe(1);
      expect(await repo.addLog('q', job.id, 'two', 1, 't')).toBe(1);
      expect(await repo.getLogs('q', job.id, 0, -1, true)).toEqual({ logs: ['two'], count: 1 });
      expect(await repo.findById('q', job.id)).toMatchObject({ progress: 50, data: { step: 2 } });
    });

    it('remove refuses active jobs', async () => {
      await repo.insert([newJob(), newJob()], now);
      await repo.claim(claimReq('t'), now);
      expect(await repo.remove('q', '1', now)).toBe('locked');
      expect(await repo.remove('q', '2', now)).toBe('removed');
      expect(await repo.remove('q', '2', now)).toBe('missing');
    });

    it('retryJob and retryJobs bring finished jobs back', async () => {
      await repo.insert([newJob(), newJob()], now);
      for (const job of await repo.claim(claimReq('t', 2), now)) {
        await repo.settle([{ kind: 'fail', queue: 'q', id: job.id, token: 't', failedReason: 'x', stacktrace: [], retention: {} }], now);
      }
      expect(await repo.retryJob('q', '1', 'failed', true)).toBe(true);
      expect(await repo.findById('q', '1')).toMatchObject({ state: 'waiting', attemptsMade: 0, failedReason: null });
      expect(await repo.retryJobs('q', 'failed', 10, now)).toBe(1);
      expect((await repo.countByStates('q', ['waiting', 'failed']))).toEqual({ waiting: 2, failed: 0 });
    });
  });
}
