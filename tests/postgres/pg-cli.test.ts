import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createQueueEngine, Queue, Worker, type QueueEngine } from '../../src_refactored/index.js';
import { nextEvent } from '../support/engine-fixture.js';

const BIN = fileURLToPath(new URL('../../bin/bullite.js', import.meta.url));
const PG_URL = process.env.BULLITE_TEST_PG_URL;

function bullite(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, BULLITE_DB: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The CLI's --db takes a postgres:// URL (with ?schema=) as well as a file path. Server only. */
describe.skipIf(PG_URL === undefined)('bullite CLI on PostgreSQL (real binary)', () => {
  const schema = `cli_${randomUUID().replaceAll('-', '')}`;
  let engine: QueueEngine;
  const url = () => `${PG_URL}${PG_URL!.includes('?') ? '&' : '?'}schema=${schema}`;

  beforeAll(async () => {
    engine = await createQueueEngine({ postgres: { connectionString: PG_URL!, schema } });
    const queue = new Queue('emails', { connection: engine });
    await queue.add('welcome', { to: 'a@example.com' });
    await queue.add('invoice', { to: 'b@example.com' });
    const worker = new Worker('emails', async (job) => {
      if (job.name === 'invoice') throw new Error('SMTP refused');
      return 'sent';
    }, { connection: engine, concurrency: 1 });
    await nextEvent(worker, 'failed');
    await worker.close();
  });
  afterAll(async () => engine?.close());

  it('stats and list --json read the PostgreSQL store; retry moves the failed job back', async () => {
    const stats = await bullite('stats', '--db', url());
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/emails\s+0\s+0\s+0\s+0\s+0\s+1\s+1\s+no/);
    const list = await bullite('list', '--db', url(), '--state', 'failed', '--json');
    expect(list.code).toBe(0);
    const failed = JSON.parse(list.stdout) as { jobs: { name: string; failedReason: string }[] };
    expect(failed.jobs.map((j) => [j.name, j.failedReason])).toEqual([['invoice', 'SMTP refused']]);
    const retry = await bullite('retry', '--db', url(), '--queue', 'emails', '--all');
    expect(retry.code).toBe(0);
    expect(await new Queue('emails', { connection: engine }).getJobCounts('failed', 'waiting')).toEqual({ failed: 0, waiting: 1 });
  });

  it('a wrong password is a usage error naming the server, never the password', async () => {
    const bad = new URL(PG_URL!);
    bad.password = 'wrong-password-123';
    const run = await bullite('stats', '--db', bad.toString());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Could not open the PostgreSQL store postgres:\/\/127\.0\.0\.1/);
    expect(run.stderr).not.toContain('wrong-password-123');
  });
});
