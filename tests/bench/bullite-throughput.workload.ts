import { fork } from 'node:child_process';
import { createQueueEngine, Queue, Worker, type QueueEngine } from '../../src_refactored/index.js';
import { benchDb, measure, median, rate, siblingScript, wallNow, type BenchParams, type WorkloadResult } from './bench-support.js';
import { fillWaitingJobs } from './million-store.js';
import { benchEngineOptions, fillBenchStore, onPostgres, withPgEngine } from './pg-bench-backend.js';

export const BENCH_QUEUE = 'bench';

/** Runs `work` on a fresh engine over a fresh WAL file with default options (retention on). */
export async function withEngine<T>(work: (engine: QueueEngine, path: string) => Promise<T>): Promise<T> {
  if (onPostgres()) return withPgEngine(work);
  const store = benchDb();
  const engine = await createQueueEngine({ path: store.path });
  try {
    return await work(engine, store.path);
  } finally {
    await engine.close();
    store.cleanup();
  }
}

export async function prefill(queue: Queue, count: number, batch = 1_000, data = (i: number): unknown => ({ i })): Promise<void> {
  for (let i = 0; i < count; i += batch) {
    const size = Math.min(batch, count - i);
    await queue.addBulk(Array.from({ length: size }, (_, k) => ({ name: 'job', data: data(i + k) })));
  }
}

/**
 * Starts a no-op worker and resolves once `count` jobs have completed (and the worker closed); reports
 * each completion to `progress` (measure's).
 */
export async function drainWith(engine: QueueEngine, count: number, concurrency: number, progress?: (done: number) => void): Promise<void> {
  let done = 0;
  let worker: Worker | undefined;
  await new Promise<void>((resolve, reject) => {
    worker = new Worker(BENCH_QUEUE, async () => undefined, { connection: engine, concurrency });
    worker.on('completed', () => {
      progress?.(++done);
      if (done === count) resolve();
    });
    worker.on('failed', (_job, error) => reject(error));
    worker.on('error', reject);
  });
  await worker!.close();
}

/** W1: `queue.add()` one at a time, each awaited. */
export function addOneByOne(p: BenchParams): Promise<WorkloadResult> {
  return withEngine(async (engine) => {
    const queue = new Queue(BENCH_QUEUE, { connection: engine });
    return measure(p.addOne, async () => {
      for (let i = 0; i < p.addOne; i++) await queue.add('job', { i });
    });
  });
}

/** W2: `queue.addBulk()` in batches of `bulkBatch`. */
export function addBulk(p: BenchParams): Promise<WorkloadResult> {
  return withEngine(async (engine) => {
    const queue = new Queue(BENCH_QUEUE, { connection: engine });
    return measure(p.addBulk, () => prefill(queue, p.addBulk, p.bulkBatch));
  });
}

/** W3 / W4: process `process` no-op jobs with one worker at `concurrency`. */
export function processJobs(p: BenchParams, concurrency: number): Promise<WorkloadResult> {
  return withEngine(async (engine) => {
    await prefill(new Queue(BENCH_QUEUE, { connection: engine }), p.process);
    return measure(p.process, (progress) => drainWith(engine, p.process, concurrency, progress));
  });
}

/** Characters of data per W3L job: an agent job's prompt and context. */
const LARGE_DATA = 20_000;

/** W3L: W3 with LARGE_DATA characters of data per job; a quarter as many jobs (100 MB of data at full size). */
export function processLargeJobs(p: BenchParams): Promise<WorkloadResult> {
  const count = Math.ceil(p.process / 4);
  const text = 'x'.repeat(LARGE_DATA);
  return withEngine(async (engine) => {
    await prefill(new Queue(BENCH_QUEUE, { connection: engine }), count, 1_000, (i) => ({ i, text }));
    const result = await measure(count, (progress) => drainWith(engine, count, 1, progress));
    return { ...result, extra: { ...result.extra, dataChars: LARGE_DATA } };
  });
}

/**
 * W6: W3 with `storedJobs` other waiting jobs in the same file (another queue, same ready index). The
 * store is filled through a connection of its own, then the measured engine opens on it, as an application
 * restarting on a large store does: an engine that saw another connection write while it was open commits
 * its worker's steps one by one for a second (sqlite-other-writers.ts), which a fill right under it
 * would turn into part of the measurement.
 */
export function processBesideStored(p: BenchParams): Promise<WorkloadResult> {
  return withEngine(async (migrated, store) => {
    // That engine only migrated the store: closed (close is idempotent) so the measured process holds one
    // engine, its connection and its checkpoint thread, not two (the second was ~9 MB of W6's peak RSS).
    const now = migrated.clock.now();
    await migrated.close();
    const t0 = performance.now();
    await fillBenchStore(store, 'backlog', p.storedJobs, now);
    const buildMs = Math.round(performance.now() - t0);
    const engine = await createQueueEngine(benchEngineOptions(store));
    try {
      await prefill(new Queue(BENCH_QUEUE, { connection: engine }), p.process);
      const result = await measure(p.process, (progress) => drainWith(engine, p.process, 1, progress));
      return { ...result, extra: { ...result.extra, stored: p.storedJobs, buildMs } };
    } finally {
      await engine.close();
    }
  });
}

/** W7: `workerProcesses` processes, one worker each (concurrency 16), draining one file. */
export function multiProcess(p: BenchParams): Promise<WorkloadResult> {
  return withEngine(async (engine, path) => {
    await prefill(new Queue(BENCH_QUEUE, { connection: engine }), p.process);
    const script = siblingScript('w7-worker.process');
    const children = Array.from({ length: p.workerProcesses }, () =>
      fork(script.file, [path, '16'], { execArgv: script.execArgv, stdio: 'inherit' }),
    );
    const counts = new Array<number>(children.length).fill(0);
    const lastAt = new Array<number>(children.length).fill(0);
    await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));
    const finished = new Promise<void>((resolve, reject) => {
      children.forEach((child, k) => {
        child.on('message', (m: { done: number; at: number }) => {
          counts[k] = m.done;
          lastAt[k] = m.at;
          if (counts.reduce((a, b) => a + b, 0) >= p.process) resolve();
        });
        child.on('exit', (code) => code !== 0 && reject(new Error(`W7 worker process exited with ${code}`)));
      });
    });
    const t0 = wallNow();
    for (const child of children) child.send('go');
    await finished;
    const ms = Math.max(...lastAt) - t0;
    await Promise.all(children.map((c) => new Promise((resolve) => (c.once('exit', resolve), c.send('stop')))));
    const shares = counts.map((c) => Math.round((c / p.process) * 100)).join('/');
    return { value: rate(p.process, ms), unit: 'jobs/s', extra: { processes: children.length, sharePct: shares } };
  });
}

/**
 * The W8 page read: `searchJobs` (issue 5), walking pages with its cursor. Like a UI list, it asks for
 * the per-state counts (the tab badges) with the first page only; counting a million rows is an index
 * scan, not a page read, and shows separately as `firstPageMs`.
 */
export const W8_API = 'searchJobs page of 50 (counts on the first page)';
const readPage = async (queue: Queue, cursor: string | undefined) => {
  const page = await queue.searchJobs({ states: ['waiting'], cursor, limit: 50, counts: cursor === undefined });
  return { jobs: page.jobs, next: page.nextCursor ?? undefined };
};

/** W8: pages of 50 over `storedJobs` waiting jobs; the headline is the median ms per page. */
export function searchPages(p: BenchParams): Promise<WorkloadResult> {
  return withEngine(async (engine, path) => {
    fillWaitingJobs(path, BENCH_QUEUE, p.storedJobs, engine.clock.now());
    const queue = new Queue(BENCH_QUEUE, { connection: engine });
    const times: number[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < p.searchPages; page++) {
      const t0 = performance.now();
      const { jobs, next } = await readPage(queue, cursor);
      times.push(performance.now() - t0);
      if (jobs.length !== 50) throw new Error(`W8 page ${page} returned ${jobs.length} jobs`);
      cursor = next;
    }
    const round = (n: number) => Math.round(n * 100) / 100;
    return { value: round(median(times)), unit: 'ms', extra: { api: W8_API, firstPageMs: round(times[0]), maxMs: round(Math.max(...times)) } };
  });
}
