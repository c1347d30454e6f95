import { afterEach, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { CancelledError, Queue, ValidationError, Worker, type Job } from '../../src_refactored/index.js';
import { nextEvent, openEngine } from '../support/engine-fixture.js';

const fixture = (name: string) => new URL(`../fixtures/sandbox/${name}`, import.meta.url).pathname;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setup(processor: string | URL, workerOpts: Record<string, unknown> = {}) {
  const store = await openEngine('memory');
  const queue = new Queue('sandboxed', { connection: store.engine });
  const worker = new Worker('sandboxed', processor, { connection: store.engine, ...workerOpts });
  closers.push(store.close, () => worker.close(true));
  return { queue, worker, engine: store.engine };
}

function finished(worker: Worker, count: number) {
  const done: { job: Job; ok: boolean; error?: Error }[] = [];
  return new Promise<typeof done>((resolve) => {
    const check = () => done.length >= count && resolve(done);
    worker.on('completed', (job: Job) => (done.push({ job, ok: true }), check()));
    worker.on('failed', (job: Job, error: Error) => (done.push({ job, ok: false, error }), check()));
  });
}

describe.each([
  ['child process', false],
  ['worker thread', true],
])('sandboxed processor in a %s', (_label, useWorkerThreads) => {
  it('returns the result and carries progress, logs and data updates across the boundary', async () => {
    const { queue, worker } = await setup(pathToFileURL(fixture('echo-processor.mjs')), { useWorkerThreads });
    const progress: unknown[] = [];
    worker.on('progress', (_job, p) => progress.push(p));
    const completed = nextEvent<[Job, unknown]>(worker, 'completed');
    const added = await queue.add('double', { n: 21 });
    const [, result] = await completed;
    expect(result).toEqual({ doubled: 42, sawCheckpoint: 'half', attempt: 0 });
    const stored = await queue.getJob(added.id);
    expect(stored?.returnvalue).toEqual(result);
    expect(stored?.progress).toEqual({ stage: 'done' });
    expect(stored?.data).toEqual({ n: 21, checkpoint: 'half' });
    expect((await queue.getJobLogs(added.id)).logs).toEqual([expect.stringMatching(/^processing double in pid \d+$/)]);
    expect(progress).toEqual([50, { stage: 'done' }]);
  });

  it('a processor that calls process.exit(1) fails only that attempt; the retry runs in a fresh sandbox', async () => {
    const { queue, worker } = await setup(fixture('exit-processor.ts'), { useWorkerThreads, concurrency: 2 });
    const events = finished(worker, 2);
    const job = await queue.add('exit', {}, { attempts: 2 });
    const [first, second] = await events;
    expect(first.ok).toBe(false);
    expect(first.error?.message).toMatch(/^Unexpected exit code: 1 signal: null/);
    expect(second).toMatchObject({ ok: true });
    const stored = await queue.getJob(job.id);
    expect(stored).toMatchObject({ returnvalue: 'recovered on attempt 2', attemptsMade: 2 });
    expect(await stored!.getState()).toBe('completed');
  });

  it('a processor that allocates until it runs out of memory fails that attempt and is replaced', async () => {
    const limits = useWorkerThreads
      ? { workerThreadsOptions: { resourceLimits: { maxOldGenerationSizeMb: 32 } } }
      : { workerForkOptions: { execArgv: ['--max-old-space-size=32'], silent: true } };
    const { queue, worker } = await setup(fixture('oom-processor.ts'), { useWorkerThreads, ...limits });
    const events = finished(worker, 2);
    const job = await queue.add('oom', {}, { attempts: 2 });
    const [first, second] = await events;
    expect(first.ok).toBe(false);
    expect(first.error?.message).toMatch(useWorkerThreads ? /memory/i : /^Unexpected exit code: (null signal: SIGABRT|134)/);
    expect(second.ok).toBe(true);
    expect(await queue.getJob(job.id)).toMatchObject({ returnvalue: 'survived', attemptsMade: 2 });
  });

  it('a processor that ignores its abort signal is killed after the grace period; the next job gets a new sandbox', async () => {
    const { queue, worker } = await setup(fixture('ignore-signal-processor.ts'), { useWorkerThreads, killGracePeriod: 200 });
    const active = nextEvent<[Job]>(worker, 'active');
    const failed = nextEvent<[Job, Error]>(worker, 'failed');
    const stuck = await queue.add('hang', { hang: true }, { attempts: 3 });
    await active;
    expect(worker.cancelJob(stuck.id, 'user pressed stop')).toBe(true);
    const [, error] = await failed;
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.message).toBe('user pressed stop');
    const stored = await queue.getJob(stuck.id);
    expect(await stored!.getState()).toBe('failed'); // cancelled: no retry despite attempts: 3
    expect(stored?.failedReason).toBe('user pressed stop');
    const completed = nextEvent<[Job, unknown]>(worker, 'completed');
    await queue.add('quick', { hang: false });
    expect((await completed)[1]).toBe('quick');
  });
});

describe('sandboxed processor errors and arguments', () => {
  it('keeps the error name across the boundary, so UnrecoverableError is not retried', async () => {
    const { queue, worker } = await setup(fixture('throw-processor.ts'));
    const events = finished(worker, 3);
    const bad = await queue.add('bad', { unrecoverable: true }, { attempts: 5 });
    const flaky = await queue.add('flaky', { unrecoverable: false }, { attempts: 2 });
    await events;
    expect(await queue.getJob(bad.id)).toMatchObject({ attemptsMade: 1, failedReason: 'bad input, do not retry' });
    expect(await queue.getJob(flaky.id)).toMatchObject({ attemptsMade: 2, failedReason: 'transient' });
  });

  it('a processor module that throws while loading fails the attempt with its own error', async () => {
    const { queue, worker } = await setup(fixture('load-error-processor.mjs'));
    const failed = nextEvent<[Job, Error]>(worker, 'failed');
    await queue.add('x', {});
    const [, error] = await failed;
    expect(error.message).toBe('cannot load: missing configuration');
  });

  it('rejects a missing file, an unsupported extension and a non-function processor with ValidationError', async () => {
    const store = await openEngine('memory');
    closers.push(store.close);
    const make = (processor: unknown) => () => new Worker('q', processor as string, { connection: store.engine, autorun: false });
    expect(make('/nonexistent/processor.js')).toThrow(ValidationError);
    expect(make(fixture('../../../package.json'))).toThrow(/must be \.js, \.mjs, \.cjs/);
    expect(make(42)).toThrow(expect.objectContaining({ field: 'processor' }));
    expect(make(new URL('https://example.com/p.js'))).toThrow(expect.objectContaining({ field: 'processor' }));
  });
});
