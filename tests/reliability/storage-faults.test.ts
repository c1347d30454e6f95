import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  createQueueEngine,
  DatabaseOpenError,
  Queue,
  StorageError,
  Worker,
  type QueueEngine,
} from '../../src_refactored/index.js';
import { tempDir, until } from '../support/engine-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fileEngine(): Promise<{ engine: QueueEngine; path: string; dir: string }> {
  const temp = tempDir('bullite-fault-');
  const path = join(temp.dir, 'jobs.db');
  const engine = await createQueueEngine({ path, idleCheckInterval: 10 });
  cleanups.push(temp.cleanup, () => engine.close());
  return { engine, path, dir: temp.dir };
}

/** What a user sees of the stored jobs: id, state, data, attempts. */
async function storedJobs(queue: Queue) {
  const jobs = await queue.getJobs([], 0, -1, true);
  return jobs.map((j) => ({ id: j.id, data: j.data, attemptsMade: j.attemptsMade })).sort((a, b) => Number(a.id) - Number(b.id));
}

async function statesOf(queue: Queue) {
  return queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
}

describe('disk full (PRAGMA max_page_count)', () => {
  it('add rejects with StorageError, stored jobs stay intact, and the engine works again once space returns', async () => {
    const { engine } = await fileEngine();
    const queue = new Queue('full', { connection: engine });
    cleanups.push(() => queue.close());
    await queue.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'fits', data: { i } })));
    const before = await storedJobs(queue);
    const pages = engine.db.pragma('page_count', { simple: true }) as number;
    engine.db.pragma(`max_page_count = ${pages}`);

    const big = 'x'.repeat(64 * 1024); // needs new pages: cannot fit
    const error = await queue.add('too-big', { big }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'ERR_STORAGE', failure: 'full', message: expect.stringMatching(/full/) });
    await expect(queue.addBulk([{ name: 'a', data: {} }, { name: 'b', data: { big } }])).rejects.toThrow(StorageError);
    expect(await storedJobs(queue)).toEqual(before); // nothing half-written, nothing lost

    engine.db.pragma('max_page_count = 1073741823');
    await queue.add('after', { big });
    const processed: string[] = [];
    const worker = new Worker('full', async (job) => void processed.push(job.id), { connection: engine, concurrency: 4 });
    cleanups.push(() => worker.close());
    await until(async () => (await statesOf(queue)).completed === 21);
    expect(processed.sort()).toEqual([...before.map((j) => j.id), '21'].sort());
  });

  it('a worker whose completions hit a full disk keeps them and records each once when space returns', async () => {
    const { engine } = await fileEngine();
    const queue = new Queue('full-worker', { connection: engine });
    cleanups.push(() => queue.close());
    await queue.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'j', data: { i } })));
    const before = await storedJobs(queue);
    const pages = engine.db.pragma('page_count', { simple: true }) as number;
    engine.db.pragma(`max_page_count = ${pages}`);
    const runs = new Map<string, number>();
    const errors: Error[] = [];
    // Large return values need new pages, so every completion is refused while the disk is full.
    const worker = new Worker('full-worker', async (job) => (runs.set(job.id, (runs.get(job.id) ?? 0) + 1), 'r'.repeat(32 * 1024)), {
      connection: engine,
      concurrency: 10,
    });
    worker.on('error', (e: Error) => errors.push(e));
    cleanups.push(() => worker.close());
    await until(() => errors.length >= 2);
    expect(errors.every((e) => e instanceof StorageError && e.failure === 'full')).toBe(true);
    expect(await statesOf(queue)).toMatchObject({ active: 10, completed: 0 });
    engine.db.pragma('max_page_count = 1073741823');
    await until(async () => (await statesOf(queue)).completed === 10);
    expect([...runs.values()]).toEqual(Array(10).fill(1)); // each processed once, none lost
    expect((await storedJobs(queue)).map((j) => j.id)).toEqual(before.map((j) => j.id));
  });
});

describe('database file deleted or replaced under a running engine', () => {
  async function brokenStore(breakIt: (path: string, dir: string) => void) {
    const { engine, path, dir } = await fileEngine();
    const queue = new Queue('lost', { connection: engine });
    cleanups.push(() => queue.close());
    await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'j', data: { i } })));
    await queue.pause(); // keep them waiting, so the worker below only polls
    const before = await storedJobs(queue);
    breakIt(path, dir);
    return { engine, queue, before, path };
  }

  for (const [label, breakIt] of [
    ['deleted', (path: string) => ['', '-wal', '-shm'].forEach((s) => rmSync(`${path}${s}`, { force: true }))],
    [
      'replaced',
      (path: string, dir: string) => {
        copyFileSync(path, join(dir, 'copy.db'));
        renameSync(join(dir, 'copy.db'), path);
      },
    ],
  ] as const) {
    it(`${label}: writes fail with a clear StorageError, workers back off instead of looping, reads still work`, async () => {
      const { engine, queue, before } = await brokenStore(breakIt);
      await new Promise((r) => setTimeout(r, 25)); // past the guard's 20 ms stat throttle
      const error = await queue.add('after', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ failure: 'moved', message: expect.stringMatching(/deleted or replaced/) });

      const worker = new Worker('lost', async () => 'never', { connection: engine });
      const errorTimes: number[] = [];
      worker.on('error', (e: Error) => {
        expect(e).toBeInstanceOf(StorageError);
        errorTimes.push(performance.now());
      });
      cleanups.push(() => worker.close());
      await queue.resume().catch(() => undefined); // also a write: refused, the queue stays paused in the old file
      await until(() => errorTimes.length >= 5, 15_000);
      const gaps = errorTimes.slice(1, 5).map((t, i) => t - errorTimes[i]);
      // Doubling pauses (50, 100, 200, 400 ms), not an error every 10 ms idle check.
      expect(gaps[3]).toBeGreaterThan(gaps[0] * 3);
      expect(errorTimes[4] - errorTimes[0]).toBeGreaterThan(500);
      expect(await storedJobs(queue)).toEqual(before);
    });
  }

  it('a new engine on the replaced path sees the replacement, untouched by the old engine', async () => {
    const { engine, path, before } = await brokenStore((p, dir) => {
      copyFileSync(p, join(dir, 'snapshot.db'));
      renameSync(join(dir, 'snapshot.db'), p);
    });
    await new Promise((r) => setTimeout(r, 25));
    await expect(new Queue('lost', { connection: engine }).add('x', {})).rejects.toThrow(StorageError);
    await engine.close();
    const reopened = await createQueueEngine({ path });
    cleanups.push(() => reopened.close());
    const queue = new Queue('lost', { connection: reopened });
    expect(await storedJobs(queue)).toEqual(before);
    await queue.add('works-again', {});
    expect(await queue.count()).toBe(before.length + 1);
  });
});

describe('corrupt or foreign file at open', () => {
  function dir() {
    const temp = tempDir('bullite-open-');
    cleanups.push(temp.cleanup);
    return temp.dir;
  }

  async function expectRefused(path: string, message: RegExp) {
    const bytes = readFileSync(path);
    const error = await createQueueEngine({ path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect(error).toMatchObject({ code: 'ERR_DATABASE_OPEN', message: expect.stringMatching(message) });
    expect(readFileSync(path).equals(bytes)).toBe(true); // nothing written into it
  }

  it('refuses a file that is not SQLite', async () => {
    const path = join(dir(), 'notes.db');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
    await expectRefused(path, /not a bullite database/);
  });

  it("refuses another application's SQLite database without adding tables to it", async () => {
    const path = join(dir(), 'app.db');
    const other = new Database(path);
    other.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users (email) VALUES ('a@b.c')");
    other.close();
    await expectRefused(path, /another application \(tables: users\)/);
  });

  it('refuses a bullite file whose schema page was damaged, leaving it as it was', async () => {
    const path = join(dir(), 'jobs.db');
    const engine = await createQueueEngine({ path });
    await new Queue('q', { connection: engine }).add('j', { keep: true });
    await engine.close();
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 100, 4096); // page 1 after the header: the sqlite_master b-tree
    writeFileSync(path, bytes);
    await expectRefused(path, /not a bullite database \(not SQLite, or corrupt\)/);
  });
});
