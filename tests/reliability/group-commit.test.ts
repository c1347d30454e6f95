import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createQueueEngine, Queue, Worker, type QueueEngine } from '../../src_refactored/index.js';
import { joinTransactions } from '../../src_refactored/infrastructure/persistence/drizzle/transaction-participants.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { tempDir, until } from '../support/engine-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { runFixture } from '../support/child-process.js';

// SQLite-only: a worker's steps share commits (sqlite-held-transaction.ts); these tests look at the file
// from other connections and count the engine's commits.
const defer = cleanupAfterEach();

async function fileEngine(options: { clock?: FakeClock; busyTimeout?: number } = {}, path?: string) {
  let file = path;
  if (file === undefined) {
    const temp = tempDir('bullite-group-commit-');
    defer(() => temp.cleanup());
    file = join(temp.dir, 'jobs.db');
  }
  const engine = await createQueueEngine({ path: file, ...options });
  defer(() => engine.close());
  const reader = new Database(file, { readonly: true });
  defer(() => void reader.close());
  const stateSeenElsewhere = (id: string) =>
    (reader.prepare('SELECT state FROM jobs WHERE queue = ? AND job_id = ?').get('q', id) as { state: string } | undefined)?.state;
  return { engine, path: file, stateSeenElsewhere };
}

function countCommits(engine: QueueEngine): () => number {
  let commits = 0;
  defer(joinTransactions(engine.db, { afterCommit: () => void commits++ }));
  return () => commits;
}

describe('group commit of a worker’s steps', () => {
  it('a drain at concurrency 1 commits ~80 times for 1 000 jobs, not once per job', async () => {
    // A frozen clock: only the step bound (64 steps) and the end of the run end a held transaction.
    const { engine } = await fileEngine({ clock: new FakeClock() });
    const queue = new Queue('q', { connection: engine });
    await queue.addBulk(Array.from({ length: 1_000 }, (_, i) => ({ name: 'job', data: { i } })));
    const commits = countCommits(engine);
    let completed = 0;
    const worker = new Worker('q', async () => 'ok', { connection: engine });
    defer(() => worker.close());
    await new Promise<void>((resolve) => worker.on('completed', () => ++completed === 1_000 && resolve()));
    // One commit per step would be ≥ 1 000 (each job's completion rides with the next claim). Held: the
    // first 64 jobs one by one, then 936 / 64 held transactions, the 'drained' event and metrics writes
    // (~82); a job made slow by a GC pause or a busy machine commits on its own (two more commits each).
    expect(commits()).toBeLessThanOrEqual(250);
    expect(await queue.getJobCounts('completed', 'active', 'waiting')).toEqual({ completed: 1_000, active: 0, waiting: 0 });
  });

  it("'completed' is heard only once another connection finds the job completed", async () => {
    const { engine, stateSeenElsewhere } = await fileEngine();
    const queue = new Queue('q', { connection: engine });
    // Past the first 64 jobs (committed one by one), completions are held with the next steps.
    await queue.addBulk(Array.from({ length: 300 }, (_, i) => ({ name: 'job', data: { i } })));
    const seen: (string | undefined)[] = [];
    const worker = new Worker('q', async () => 'ok', { connection: engine });
    defer(() => worker.close());
    worker.on('completed', (job: { id: string }) => seen.push(stateSeenElsewhere(job.id)));
    await until(() => seen.length === 300);
    expect(seen).toEqual(Array(300).fill('completed'));
  });

  it('a write from a processor commits the held steps first and resolves committed itself', async () => {
    const { engine, stateSeenElsewhere } = await fileEngine();
    const queue = new Queue('q', { connection: engine });
    await queue.addBulk(Array.from({ length: 100 }, (_, i) => ({ name: 'job', data: { i } })));
    const observed: { before?: string; after?: string; added?: string }[] = [];
    const worker = new Worker<{ i: number }>(
      'q',
      async (job) => {
        if (job.data.i < 70 || job.data.i >= 100) return 'ok';
        // Past the worker's first 64 jobs (committed one by one), a job is claimed in a step held with its
        // predecessor's completion: not committed yet when it starts.
        const before = stateSeenElsewhere(job.id!);
        const added = await queue.add('extra', { i: 1_000 + job.data.i });
        observed.push({ before, after: stateSeenElsewhere(job.id!), added: stateSeenElsewhere(added.id!) });
        return 'ok';
      },
      { connection: engine },
    );
    defer(() => worker.close());
    await until(() => observed.length === 30);
    // The add committed the held claim before its own transaction, and resolved once that committed.
    expect(observed.map(({ after, added }) => ({ after, added }))).toEqual(Array(30).fill({ after: 'active', added: 'waiting' }));
    // A step is held only after quick jobs (< 1 ms): a GC pause can make one slow, not all thirty.
    expect(observed.filter((o) => o.before === 'waiting').length).toBeGreaterThan(0);
  });

  it('jobs that take a millisecond or more are committed step by step: a computing processor holds no lock', async () => {
    const { engine, stateSeenElsewhere } = await fileEngine();
    const queue = new Queue('q', { connection: engine });
    await queue.addBulk(Array.from({ length: 100 }, (_, i) => ({ name: 'job', data: { i } })));
    const seen: (string | undefined)[] = [];
    const worker = new Worker<{ i: number }>(
      'q',
      async (job) => {
        // Synchronous work: with the step held, the write lock would stay taken through it.
        const until = performance.now() + 2;
        while (performance.now() < until);
        if (job.data.i >= 70) seen.push(stateSeenElsewhere(job.id!));
        return 'ok';
      },
      { connection: engine },
    );
    defer(() => worker.close());
    await until(() => seen.length === 30);
    expect(seen).toEqual(Array(30).fill('active'));
  });

  it('while another connection writes to the file, steps are committed one by one (its writes get the lock)', async () => {
    const first = await fileEngine();
    const second = await fileEngine({}, first.path);
    const queue = new Queue('q', { connection: first.engine });
    const other = new Queue('other', { connection: second.engine });
    await queue.addBulk(Array.from({ length: 200 }, (_, i) => ({ name: 'job', data: { i } })));
    await other.add('from-the-other-engine', {});
    const adding = setInterval(() => void other.add('from-the-other-engine', {}), 5);
    defer(() => clearInterval(adding));
    const seen: (string | undefined)[] = [];
    const worker = new Worker<{ i: number }>(
      'q',
      async (job) => {
        seen.push(first.stateSeenElsewhere(job.id!));
        return 'ok';
      },
      { connection: first.engine },
    );
    defer(() => worker.close());
    await until(() => seen.length === 200);
    // Held, a claim past the first 64 jobs would still be uncommitted when its processor runs ('waiting').
    // Every job is checked: the other engine's add before the worker started already counts, so not even
    // the first step after the warm-up may be held.
    expect(seen).toEqual(Array(200).fill('active'));
  });

  it('another engine on the same file in this process writes at once while a worker holds steps', async () => {
    // A write of the second engine that waited for the lock would block this thread (SQLite's busy handler
    // sleeps), so the holder could not commit: each such write would take the whole busy timeout (5 s).
    const first = await fileEngine();
    const second = await fileEngine({ busyTimeout: 5_000 }, first.path);
    const queue = new Queue('q', { connection: first.engine });
    const other = new Queue('q', { connection: second.engine });
    await queue.addBulk(Array.from({ length: 2_000 }, (_, i) => ({ name: 'job', data: { i } })));
    let writes = 0;
    let slowest = 0;
    const worker = new Worker<{ i: number }>(
      'q',
      async (job) => {
        if (job.data.i % 400 !== 200) return 'ok';
        const started = performance.now();
        await other.add('from-the-other-engine', {});
        slowest = Math.max(slowest, performance.now() - started);
        writes++;
        return 'ok';
      },
      { connection: first.engine },
    );
    defer(() => worker.close());
    await until(() => writes === 5, 60_000);
    // Measured under 1 ms each here.
    expect(slowest).toBeLessThan(2_500);
  });

  it('a job that kills its process is recorded as active when it is the first one claimed, and ends failed as stalled', { timeout: 60_000 }, async () => {
    const temp = tempDir('bullite-poison-');
    defer(() => temp.cleanup());
    const path = join(temp.dir, 'jobs.db');
    const engine = await createQueueEngine({ path });
    // Fast jobs before it, more than a worker commits one by one after starting: the first run claims
    // the poison job in a held step, whose claim the crash rolls back.
    await new Queue('q', { connection: engine }).addBulk([
      ...Array.from({ length: 100 }, (_, i) => ({ name: 'fast', data: { i } })),
      { name: 'poison', data: {}, opts: { jobId: 'poison' } },
    ]);
    await engine.close();
    const fixture = fileURLToPath(new URL('../fixtures/group-commit/poison-worker.ts', import.meta.url));
    const reader = new Database(path, { readonly: true });
    defer(() => void reader.close());
    const poison = () =>
      reader.prepare(`SELECT state, stalled_counter AS stalled, failed_reason AS reason FROM jobs WHERE job_id = 'poison'`).get() as {
        state: string;
        stalled: number;
        reason: string | null;
      };
    const states: string[] = [];
    for (let run = 0; run < 8 && poison().state !== 'failed'; run++) {
      const { code, stderr } = await runFixture(fixture, [path]);
      states.push(`${code ?? 'killed'}:${poison().state}`);
      expect(stderr).not.toContain('Error');
    }
    // The first run usually left it waiting (its held claim rolled back; 'killed:active' when the step
    // before it was not held). Later runs claim it among their first jobs, committed one by one: each left
    // it active, the next run's stalled sweep counted it, and it fails past maxStalledCount instead of
    // crashing every restart. No other job failed.
    expect(poison(), states.join(' ')).toEqual({ state: 'failed', stalled: 2, reason: 'job stalled more than allowable limit' });
    expect(reader.prepare(`SELECT count(*) AS n FROM jobs WHERE name = 'fast' AND state = 'completed'`).get()).toEqual({ n: 100 });
  });
});
