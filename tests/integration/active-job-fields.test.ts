import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { afterActive, nextEvent, openEngine } from '../support/engine-fixture.js';

describe('the job a worker hands out is the claimed row', () => {
  let fixture: Awaited<ReturnType<typeof openEngine>>;
  afterEach(async () => fixture.close());

  it('processedOn and attemptsStarted in the active event and the processor equal what the claim stored', async () => {
    const clock = new FakeClock(1_000_000);
    fixture = await openEngine('memory', { clock });
    const queue = new Queue('fields', { connection: fixture.engine });
    const seen: { where: string; processedOn?: number; attemptsStarted: number }[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const worker = new Worker('fields', async (job) => {
      seen.push({ where: 'processor', processedOn: job.processedOn, attemptsStarted: job.attemptsStarted });
      await gate;
    }, { connection: fixture.engine });
    worker.on('active', (job) => {
      // The clock moves between the claim and the event: the job must still carry the claim's time.
      clock.advance(250);
      seen.push({ where: 'active', processedOn: job.processedOn, attemptsStarted: job.attemptsStarted });
    });
    const job = await afterActive(worker, () => queue.add('a', {}));
    release();
    await nextEvent(worker, 'completed');
    const stored = (await queue.getJob(job.id))!;
    expect(stored.processedOn).toBe(1_000_000);
    expect(stored.attemptsStarted).toBe(1);
    expect(seen).toEqual([
      { where: 'active', processedOn: 1_000_000, attemptsStarted: 1 },
      { where: 'processor', processedOn: 1_000_000, attemptsStarted: 1 },
    ]);
    await worker.close();
  });
});
