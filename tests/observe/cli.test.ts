import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createQueueEngine, Queue, Worker } from '../../src_refactored/index.js';
import { nextEvent, tempDir } from '../support/engine-fixture.js';

const BIN = fileURLToPath(new URL('../../bin/bullite.js', import.meta.url));

/** Runs the real `bullite` binary in a child process. */
function bullite(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, BULLITE_DB: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

type Run = Awaited<ReturnType<typeof bullite>>;

describe('bullite CLI (real binary, child process)', () => {
  const temp = tempDir('bullite-cli-');
  const db = join(temp.dir, 'jobs.db');
  const missing = join(temp.dir, 'nope', 'jobs.db');
  const text = join(temp.dir, 'notes.txt');
  // Read-only commands start together: each child pays Node + tsx start-up (~1 s, more on a busy machine).
  let runs: Record<'stats' | 'list' | 'schedulers' | 'missing' | 'notDb' | 'noDb' | 'show99' | 'unknown', Run>;

  beforeAll(async () => {
    const engine = await createQueueEngine({ path: db });
    const queue = new Queue('emails', { connection: engine });
    await queue.add('welcome', { to: 'a@example.com' });
    const failing = await queue.add('invoice', { to: 'b@example.com', amount: 12 });
    const worker = new Worker('emails', async (job) => {
      if (job.name === 'invoice') throw new Error('SMTP refused');
      return 'sent';
    }, { connection: engine, concurrency: 1 });
    await nextEvent(worker, 'failed');
    await worker.close();
    await queue.add('later', {}, { delay: 3_600_000 });
    await queue.upsertJobScheduler('hourly-digest', { every: 3_600_000 }, { name: 'digest', data: {} });
    expect(await queue.getJobState(failing.id)).toBe('failed');
    await queue.close();
    await engine.close();
    writeFileSync(text, 'hello, not a database at all, just some text that is long enough to have a header'.repeat(10));
    const [stats, list, schedulers, missingRun, notDb, noDb, show99, unknown] = await Promise.all([
      bullite('stats', '--db', db),
      bullite('list', '--db', db, '--json', '--state', 'failed,completed'),
      bullite('schedulers', '--db', db),
      bullite('stats', '--db', missing),
      bullite('list', '--db', text),
      bullite('stats'),
      bullite('show', '99', '--db', db),
      bullite('frobnicate', '--db', db),
    ]);
    runs = { stats, list, schedulers, missing: missingRun, notDb, noDb, show99, unknown };
  });
  afterAll(() => temp.cleanup());

  it('stats prints a table of jobs per state', async () => {
    const { code, stdout } = runs.stats;
    expect(code).toBe(0);
    const [header, row] = stdout.trim().split('\n');
    expect(header).toMatch(/^QUEUE\s+WAITING\s+PRIORITIZED\s+DELAYED\s+ACTIVE\s+WAITING-CHILDREN\s+COMPLETED\s+FAILED\s+PAUSED/);
    // delayed: the 'later' job and the scheduler's pending iteration
    expect(row.split(/\s+/)).toEqual(['emails', '0', '0', '2', '0', '0', '1', '1', 'no', '1', '1']);
  });

  it('schedulers lists job schedulers with their next run', async () => {
    const { code, stdout } = runs.schedulers;
    expect(code).toBe(0);
    const [header, row] = stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+JOB NAME\s+PATTERN \/ EVERY\s+NEXT RUN\s+ITERATIONS\s+LIMIT$/);
    expect(row).toMatch(/^hourly-digest\s+digest\s+every 3600000 ms\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+\d+\s+-$/);
  });

  it('list --json prints the jobs and counts for scripts', async () => {
    const { code, stdout } = runs.list;
    expect(code).toBe(0);
    const page = JSON.parse(stdout);
    expect(page.queue).toBe('emails');
    expect(page.jobs.map((j: { name: string }) => j.name)).toEqual(['invoice', 'welcome']);
    expect(page.jobs[0].failedReason).toBe('SMTP refused');
    expect(page.counts).toEqual({ failed: 1, completed: 1 });
    expect(page.nextCursor).toBeNull();
  });

  it('retry moves a failed job back to waiting', async () => {
    const { code, stdout } = await bullite('retry', '2', '--db', db);
    expect(code).toBe(0);
    expect(stdout).toContain('job 2 moved back to waiting');
    const engine = await createQueueEngine({ path: db });
    const queue = new Queue('emails', { connection: engine });
    expect(await queue.getJobState('2')).toBe('waiting');
    await queue.close();
    await engine.close();
  });

  it('a bad --db path gives a clear message and a non-zero exit, and creates nothing', async () => {
    const result = runs.missing;
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `bullite: No database at ${missing}. Check the --db path: the CLI never creates a database. ` +
        'Pass the path of an existing bullite database, e.g. --db ./data/jobs.db (or set BULLITE_DB).\n',
    );
    expect(result.stdout).toBe('');
    expect(existsSync(join(temp.dir, 'nope'))).toBe(false);
    const notDb = runs.notDb;
    expect(notDb.code).toBe(2);
    expect(notDb.stderr).toContain(`${text} is not a SQLite database`);
    const none = runs.noDb;
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Missing --db <file>');
  });

  it('reports unknown jobs and commands with what to do', async () => {
    const show = runs.show99;
    expect(show.code).toBe(1);
    expect(show.stderr).toContain('No job 99 in queue emails. List jobs with: bullite list --queue emails');
    const unknown = runs.unknown;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });
});
