import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { createQueueEngine, Queue, QueueEvents, Worker } from '../../src_refactored/index.js';
import { nextEvent, tempDir } from '../support/engine-fixture.js';

const KEY = 'ab'.repeat(32);

describe('observability on an encrypted store', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('stores event payloads encrypted, still delivers them, and refuses data filters it cannot evaluate', async () => {
    const temp = tempDir();
    const path = join(temp.dir, 'secret.db');
    const engine = await createQueueEngine({ path, encryption: { key: KEY } });
    cleanups.push(temp.cleanup, () => engine.close());
    const queue = new Queue('vault', { connection: engine });
    const events = new QueueEvents('vault', { connection: engine });
    await events.waitUntilReady();
    const worker = new Worker('vault', async () => ({ pin: 'top-secret-4242' }), { connection: engine });
    cleanups.push(() => worker.close(), () => events.close(), () => queue.close());
    const completed = nextEvent(events, 'completed');
    await queue.add('open', { owner: 'ada' });
    const [args] = await completed;
    expect(args).toMatchObject({ returnvalue: { pin: 'top-secret-4242' } });

    const raw = new Database(path, { readonly: true });
    cleanups.push(() => void raw.close());
    const payloads = raw.prepare("SELECT batch FROM events").pluck().all() as string[];
    expect(payloads.length).toBeGreaterThan(0);
    expect(payloads.join('\n')).not.toContain('top-secret-4242');

    const page = await queue.searchJobs({ name: 'open' });
    expect(page.jobs.map((j) => j.data)).toEqual([{ owner: 'ada' }]);
    await expect(queue.searchJobs({ dataQuery: { owner: 'ada' } })).rejects.toMatchObject({ code: 'ERR_ENCRYPTED_SEARCH' });
  });
});
