// Observability costs, measured: run with `npx tsx tests/bench/observe-bench.ts [jobs] [searchRows]`.
// 1) worker throughput (every job writes added/waiting/active/completed events and its metrics upserts);
// 2) searchJobs over `searchRows` stored jobs: a page of 50 and the next one, with and without filters.
// Figures from the dev machine are in docs/observability.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createQueueEngine, Queue, Worker } from '../../src_refactored/index.js';

const JOBS = Number(process.argv[2] ?? 20_000);
const SEARCH_ROWS = Number(process.argv[3] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'bullite-bench-'));

async function throughput(): Promise<void> {
  const path = join(dir, 'tp.db');
  const engine = await createQueueEngine({ path });
  const queue = new Queue('bench', { connection: engine });
  for (let i = 0; i < JOBS; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({ name: 'n', data: { i: i + k } })));
  }
  let done = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  await new Promise<void>((resolve) => {
    const worker = new Worker('bench', async () => 1, { connection: engine, concurrency: 100 });
    worker.on('completed', () => ++done === JOBS && resolve(void worker.close()));
  });
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const cpuPerJob = (used.user + used.system) / JOBS; // µs of this process's CPU: less sensitive to other load
  await engine.eventStream.latestId(null);
  const events = (new Database(path).prepare('SELECT coalesce(sum(count), 0) FROM events').pluck().get() as number);
  console.log(`throughput: ${JOBS} jobs in ${ms.toFixed(0)} ms = ${Math.round((JOBS / ms) * 1000)} jobs/s, ${cpuPerJob.toFixed(0)} µs CPU per job (events kept: ${events})`);
  await queue.close();
  await engine.close();
}

async function search(): Promise<void> {
  const path = join(dir, 'search.db');
  const engine = await createQueueEngine({ path });
  await engine.close();
  // Bulk-load rows directly (the engine's add path is measured above); states and names spread evenly.
  const db = new Database(path);
  const insert = db.prepare(
    `INSERT INTO jobs (queue, job_id, name, data, opts, state, seq, timestamp, finished_on)
     VALUES ('big', ?, ?, ?, '{}', ?, ?, ?, ?)`,
  );
  const states = ['completed', 'completed', 'completed', 'failed', 'waiting', 'delayed'];
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 1; i <= SEARCH_ROWS; i++) {
      const state = states[i % states.length];
      const done = state === 'completed' || state === 'failed' ? 1_700_000_000_000 + i : null;
      insert.run(String(i), `task-${i % 20}`, JSON.stringify({ user: { id: i % 1000 }, tag: i % 7 === 0 ? 'urgent' : 'normal' }), state, i, 1_700_000_000_000 + i, done);
    }
  })();
  db.close();
  console.log(`loaded ${SEARCH_ROWS} jobs in ${(performance.now() - t0).toFixed(0)} ms`);
  const reader = await createQueueEngine({ path });
  const queue = new Queue('big', { connection: reader });
  const time = async (label: string, opts: Parameters<typeof queue.searchJobs>[0]) => {
    const s = performance.now();
    const page = await queue.searchJobs(opts);
    const s2 = performance.now();
    const next = page.nextCursor ? await queue.searchJobs({ ...opts, cursor: page.nextCursor }) : undefined;
    const e = performance.now();
    console.log(`searchJobs ${label}: ${page.jobs.length} jobs in ${(s2 - s).toFixed(1)} ms, next page ${(e - s2).toFixed(1)} ms (${next?.jobs.length ?? 0} jobs)`);
  };
  await time('all states, page of 50', { limit: 50, counts: false });
  await time('failed only', { states: ['failed'], limit: 50, counts: false });
  await time('name = task-7', { name: 'task-7', limit: 50, counts: false });
  await time('failed, dataQuery user.id = 43 (1 in 500 failed jobs match)', { states: ['failed'], dataQuery: { 'user.id': 43 }, limit: 50, counts: false });
  await time('failed, dataQuery user.id = 42 (no row matches: worst case)', { states: ['failed'], dataQuery: { 'user.id': 42 }, limit: 50, counts: false });
  await time('with counts', { states: ['failed', 'waiting'], limit: 50 });
  await queue.close();
  await reader.close();
}

await throughput();
if (SEARCH_ROWS > 0) await search();
rmSync(dir, { recursive: true, force: true });
