import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createQueueEngine, DatabaseOpenError, Queue, ValidationError, Worker, type QueueEngine } from '../../src_refactored/index.js';
import { openEngine, tempDir } from '../support/engine-fixture.js';
import { runFixture } from '../support/child-process.js';

describe('bad input is refused with a typed error naming the field, and nothing stored changes', () => {
  let engine: QueueEngine;
  let close: () => Promise<void>;
  let queue: Queue;
  let before: Record<string, number>;

  beforeEach(async () => {
    ({ engine, close } = await openEngine('wal-file'));
    queue = new Queue('guarded', { connection: engine });
    await queue.add('kept', { keep: true }, { jobId: 'kept-1' });
    before = await queue.getJobCounts();
  });
  afterEach(async () => {
    expect(await queue.getJobCounts()).toEqual(before);
    expect((await queue.getJob('kept-1'))!.data).toEqual({ keep: true });
    await close();
  });

  async function expectRefused(call: () => Promise<unknown>, field: string, message?: string | RegExp) {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
    expect((error as ValidationError).code).toBe('ERR_VALIDATION');
    if (message !== undefined) expect((error as Error).message).toMatch(message);
  }

  it.each([
    [-1],
    [2_097_152],
    [1.5],
    ['high'],
  ])('priority %s', async (priority) => {
    await expectRefused(() => queue.add('x', {}, { priority: priority as number }), 'opts.priority', 'Priority should be between 0 and 2097151');
  });

  it.each([[-5], [Number.NaN], ['soon']])('delay %s', async (delay) => {
    await expectRefused(() => queue.add('x', {}, { delay: delay as number }), 'opts.delay');
  });

  it('integer-looking custom ids (they would collide with counter ids)', async () => {
    await expectRefused(() => queue.add('x', {}, { jobId: '123' }), 'opts.jobId', 'Custom Ids cannot be integers');
  });

  it('empty custom id', async () => {
    await expectRefused(() => queue.add('x', {}, { jobId: '' }), 'opts.jobId');
  });

  it('unknown options (a typo is not silently ignored)', async () => {
    await expectRefused(() => queue.add('x', {}, { atempts: 3 } as never), 'opts.atempts', /Unknown option/);
  });

  it.each([
    [{ attempts: 0 }, 'opts.attempts'],
    [{ backoff: { type: 'fixed', delay: -1 } }, 'opts.backoff'],
    [{ removeOnComplete: 'yes' }, 'opts.removeOnComplete'],
    [{ lifo: 'true' }, 'opts.lifo'],
    [{ sizeLimit: 0 }, 'opts.sizeLimit'],
  ])('option %j', async (opts, field) => {
    const error = await queue.add('x', {}, opts as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field.startsWith(field)).toBe(true);
  });

  it.each([
    [{ fn: () => 1 }, 'data.fn'],
    [{ big: 10n }, 'data.big'],
    [{ n: Number.POSITIVE_INFINITY }, 'data.n'],
    [{ list: [1, new Map()] }, 'data.list[1]'],
    [{ a: [{ b: [0, { c: Number.NaN }] }] }, 'data.a[0].b[1].c'],
    [Symbol('s'), 'data'],
  ])('data that JSON would mangle: %s', async (data, field) => {
    await expectRefused(() => queue.add('x', data), field, /JSON-serialisable/);
  });

  it('cyclic data', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expectRefused(() => queue.add('x', cyclic), 'data.self', /cycle/);
  });

  it('data over sizeLimit, with BullMQ wording', async () => {
    await expectRefused(() => queue.add('big', { text: 'x'.repeat(200) }, { sizeLimit: 100 }), 'data', 'The size of job big exceeds the limit 100 bytes');
  });

  it('job names', async () => {
    await expectRefused(() => queue.add('' as never, {}), 'name');
    await expectRefused(() => queue.add(42 as never, {}), 'name');
  });

  it('queue names', () => {
    expect(() => new Queue('', { connection: engine })).toThrow('Queue name must be provided');
    expect(() => new Queue(' padded ', { connection: engine })).toThrow(ValidationError);
    expect(() => new Queue('bell\u0007', { connection: engine })).toThrow(ValidationError);
  });

  it('worker options', () => {
    const make = (opts: object) => () => new Worker('guarded', async () => 1, { connection: engine, autorun: false, ...opts });
    expect(make({ concurrency: 0 })).toThrow(expect.objectContaining({ field: 'opts.concurrency' }));
    expect(make({ lockDuration: -1 })).toThrow(expect.objectContaining({ field: 'opts.lockDuration' }));
    expect(make({ concurrancy: 2 })).toThrow(expect.objectContaining({ field: 'opts.concurrancy' }));
  });

  it('connections', () => {
    expect(() => new Queue('q', { connection: {} as never })).toThrow(expect.objectContaining({ field: 'opts.connection' }));
  });

  it('getJobs with an unknown state', async () => {
    await expectRefused(() => queue.getJobs(['finished']), 'types[0]');
  });

  it('clean with a negative grace', async () => {
    await expectRefused(() => queue.clean(-1, 10, 'completed'), 'clean[0]');
  });
});

describe('opening a store that cannot be used fails clearly at open', () => {
  it('a file that is not SQLite', async () => {
    const temp = tempDir();
    const path = join(temp.dir, 'notes.txt');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
    const error = await createQueueEngine({ path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect((error as Error).message).toContain('is not a bullite database');
    temp.cleanup();
  });

  it('a read-only file', async () => {
    const temp = tempDir();
    const path = join(temp.dir, 'ro.db');
    const engine = await createQueueEngine({ path });
    await engine.close();
    chmodSync(path, 0o444);
    chmodSync(temp.dir, 0o555);
    // Root ignores file modes, so the open runs in a child process as an unprivileged user.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: '/tmp' } } : {};
    const { stdout, stderr } = await runFixture('tests/fixtures/open-store.fixture.ts', [path], asUser);
    chmodSync(temp.dir, 0o700);
    temp.cleanup();
    const result = JSON.parse(stdout.trim().split('\n').pop() || stderr);
    expect(result).toMatchObject({ ok: false, name: 'DatabaseOpenError', code: 'ERR_DATABASE_OPEN' });
    expect(result.message).toMatch(/cannot be opened for writing/);
  });

  it('engine options', async () => {
    await expect(createQueueEngine({} as never)).rejects.toMatchObject({ field: 'options.path' });
    await expect(createQueueEngine({ path: ':memory:', durability: 'max' as never })).rejects.toMatchObject({ field: 'options.durability' });
  });
});
