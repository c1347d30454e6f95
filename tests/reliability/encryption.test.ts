import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createQueueEngine, EncryptionError, Queue, ValidationError, Worker, type Job, type QueueEngine } from '../../src_refactored/index.js';
import { nextEvent, tempDir } from '../support/engine-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function store() {
  const temp = tempDir('bullite-enc-');
  cleanups.push(temp.cleanup);
  return join(temp.dir, 'jobs.db');
}

async function open(path: string, encryption?: { key: Buffer | string; previousKeys?: (Buffer | string)[] }): Promise<QueueEngine> {
  const engine = await createQueueEngine({ path, idleCheckInterval: 10, ...(encryption ? { encryption } : {}) });
  cleanups.push(() => engine.close());
  return engine;
}

/** Every byte SQLite wrote for this store: the main file and, while open, its WAL. */
function fileBytes(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p)));
}

const SECRETS = { data: 'DATA-SECRET-7f3a', update: 'CHECKPOINT-SECRET-91bc', log: 'LOG-SECRET-55d0', result: 'RESULT-SECRET-c4e2' };

async function processOneJob(engine: QueueEngine) {
  const queue = new Queue('private', { connection: engine });
  const worker = new Worker(
    'private',
    async (job: Job<{ note: string }>) => {
      await job.log(`${SECRETS.log} for ${job.data.note}`);
      await job.updateData({ note: `${job.data.note} ${SECRETS.update}` });
      return { summary: SECRETS.result };
    },
    { connection: engine },
  );
  cleanups.push(() => worker.close());
  const done = nextEvent(worker, 'completed');
  const job = await queue.add('summarise', { note: SECRETS.data });
  await done;
  return { queue, id: job.id };
}

describe('at-rest encryption (AES-256-GCM)', () => {
  it('job data, data updates, logs and return values never appear in the file bytes, yet read back intact', async () => {
    const path = store();
    const engine = await open(path, { key: randomBytes(32) });
    const { queue, id } = await processOneJob(engine);
    // While the engine is open (WAL holds the recent pages) …
    const live = fileBytes(path);
    expect(live.length).toBeGreaterThan(0);
    for (const secret of Object.values(SECRETS)) expect(live.includes(secret)).toBe(false);
    // … the API returns the plain values …
    const job = await queue.getJob(id);
    expect(job?.data).toEqual({ note: `${SECRETS.data} ${SECRETS.update}` });
    expect(job?.returnvalue).toEqual({ summary: SECRETS.result });
    expect((await queue.getJobLogs(id)).logs).toEqual([`${SECRETS.log} for ${SECRETS.data}`]);
    await queue.close();
    await engine.close();
    // … and after close the checkpointed main file holds none of them either.
    for (const secret of Object.values(SECRETS)) expect(fileBytes(path).includes(secret)).toBe(false);
  });

  it('the same run without encryption does store the values in clear (the check above can fail)', async () => {
    const path = store();
    const engine = await open(path);
    await processOneJob(engine);
    const bytes = fileBytes(path);
    for (const secret of Object.values(SECRETS)) expect(bytes.includes(secret)).toBe(true);
  });

  it('rotates keys: previousKeys read old values, new values use the new key, a missing key fails clearly', async () => {
    const path = store();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32).toString('hex');
    const first = await open(path, { key: oldKey });
    const queue1 = new Queue('rot', { connection: first });
    const old = await queue1.add('a', { v: 'written with the old key' });
    await queue1.close();
    await first.close();

    const rotated = await open(path, { key: newKey, previousKeys: [oldKey.toString('base64')] });
    const queue2 = new Queue('rot', { connection: rotated });
    expect((await queue2.getJob(old.id))?.data).toEqual({ v: 'written with the old key' });
    const fresh = await queue2.add('b', { v: 'written with the new key' });
    await queue2.close();
    await rotated.close();

    const newOnly = await open(path, { key: newKey });
    const queue3 = new Queue('rot', { connection: newOnly });
    expect((await queue3.getJob(fresh.id))?.data).toEqual({ v: 'written with the new key' });
    await expect(queue3.getJob(old.id)).rejects.toMatchObject({ name: 'EncryptionError', code: 'ERR_ENCRYPTION_KEY' });
    await queue3.close();
    await newOnly.close();

    const noKey = await open(path);
    await expect(new Queue('rot', { connection: noKey }).getJob(fresh.id)).rejects.toThrow(EncryptionError);
  });

  it('reencrypt() moves plain values and values under previous keys to the current key, so old keys can go', async () => {
    const path = store();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const plain = await open(path);
    const queue1 = new Queue('re', { connection: plain });
    const before = await queue1.add('plain', { v: 'stored before encryption was on' });
    await plain.close();
    const first = await open(path, { key: oldKey });
    const queue2 = new Queue('re', { connection: first });
    const mid = await queue2.add('old', { v: 'old key' });
    await queue2.close();
    await first.close();

    const rotating = await open(path, { key: newKey, previousKeys: [oldKey] });
    expect(await rotating.reencrypt()).toEqual({ jobs: 2, logs: 0 });
    expect(await rotating.reencrypt()).toEqual({ jobs: 0, logs: 0 }); // idempotent
    await rotating.close();
    expect(fileBytes(path).includes('stored before encryption was on')).toBe(false);

    const newOnly = await open(path, { key: newKey });
    const queue3 = new Queue('re', { connection: newOnly });
    expect((await queue3.getJob(before.id))?.data).toEqual({ v: 'stored before encryption was on' });
    expect((await queue3.getJob(mid.id))?.data).toEqual({ v: 'old key' });
    await queue3.close();
  });

  it('a value moved to another column or altered fails authentication instead of returning garbage', async () => {
    const path = store();
    const engine = await open(path, { key: randomBytes(32) });
    const queue = new Queue('tamper', { connection: engine });
    const job = await queue.add('t', { secret: 1 });
    const raw = new Database(path);
    raw.prepare("UPDATE jobs SET returnvalue = data, state = 'completed' WHERE job_id = ?").run(job.id);
    raw.close();
    await expect(queue.getJob(job.id)).rejects.toMatchObject({ code: 'ERR_DECRYPT' });
    await queue.close();
  });

  it('refuses malformed keys with a ValidationError naming the field', async () => {
    const path = store();
    for (const key of [randomBytes(16), 'not-a-key', 'ab'.repeat(31), 42]) {
      await expect(createQueueEngine({ path, encryption: { key: key as Buffer } })).rejects.toMatchObject({
        name: 'ValidationError',
        field: 'options.encryption.key',
      });
    }
    await expect(createQueueEngine({ path, encryption: { key: randomBytes(32), previousKeys: ['x'] } })).rejects.toThrow(ValidationError);
  });
});

describe('file permissions', () => {
  it('creates the database file, its WAL and shared-memory files with mode 0600', async () => {
    const path = store();
    const engine = await open(path);
    await new Queue('perm', { connection: engine }).add('x', {});
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      expect(existsSync(file)).toBe(true);
      expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    }
  });
});
