import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { createQueueEngine, Queue, startDashboard, Worker, type QueueEngine, type RunningDashboard } from '../../src_refactored/index.js';
import { tempDir, until } from '../support/engine-fixture.js';
import { launchChromium } from '../support/headless-chromium.js';

const BIN = fileURLToPath(new URL('../../bin/bullite.js', import.meta.url));

function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('dashboard in headless chromium', () => {
  const temp = tempDir('bullite-dash-');
  const db = join(temp.dir, 'jobs.db');
  let engine: QueueEngine;
  let queue: Queue;
  let worker: Worker;
  let dashboard: RunningDashboard;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let page: Page;

  beforeAll(async () => {
    engine = await createQueueEngine({ path: db, changePollInterval: 10 });
    queue = new Queue('emails', { connection: engine });
    worker = new Worker('emails', async (job) => {
      const data = job.data as { fail?: boolean };
      await job.updateProgress(100);
      await job.log(`sending ${job.name}`);
      // Fails on its first attempt only, so a retry from the dashboard completes it.
      if (data.fail && job.attemptsMade === 0) throw new Error('SMTP refused: mailbox unavailable');
      return { delivered: true };
    }, { connection: engine, concurrency: 2 });
    await queue.add('welcome', { to: 'ada@example.com' });
    await queue.add('digest', { to: 'grace@example.com', items: 3 });
    await queue.add('invoice', { to: 'alan@example.com', amount: 42, fail: true });
    await queue.add('reminder', { to: 'edsger@example.com' }, { delay: 3_600_000 });
    await until(async () => (await queue.getJobCounts('completed', 'failed')).failed === 1);
    await until(async () => (await queue.getJobCounts('completed')).completed === 2);
    dashboard = await startDashboard(engine);
    ({ context, close: closeBrowser } = await launchChromium());
    page = await context.newPage();
  });

  afterAll(async () => {
    await closeBrowser?.();
    await dashboard?.close();
    await worker?.close();
    await queue?.close();
    await engine?.close();
    temp.cleanup();
  });

  it('lists the jobs of a queue per state, and searches them by data field', async () => {
    await page.goto(dashboard.url);
    await page.locator('.queue[data-queue="emails"]').waitFor();
    await page.locator('.tab[data-state="completed"]').click();
    await expect.poll(() => page.locator('#jobs tr.job td:nth-child(2)').allTextContents()).toEqual(['digest', 'welcome']);
    await page.locator('#search-data').fill('items=3');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('#jobs tr.job td:nth-child(2)').allTextContents()).toEqual(['digest']);
    await page.locator('#search-data').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.tab[data-state="delayed"]').click();
    await expect.poll(() => page.locator('#jobs tr.job td:nth-child(2)').allTextContents()).toEqual(['reminder']);
  });

  it('shows the stack trace of a failed job', async () => {
    await page.locator('.tab[data-state="failed"]').click();
    await page.locator('#jobs tr.job[data-job-id="3"]').click();
    const stack = page.locator('#stacktrace');
    await stack.waitFor();
    expect(await stack.textContent()).toMatch(/^Error: SMTP refused: mailbox unavailable\n\s+at /);
    await expect.poll(() => page.locator('#detail').textContent()).toContain('sending invoice');
    await page.screenshot({ path: process.env.BULLITE_SCREENSHOT ?? join(temp.dir, 'dashboard.png') });
  });

  it('clicking Retry makes the failed job complete (live, without reload)', async () => {
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => page.locator('#detail-state').textContent(), { timeout: 15_000 }).toBe('completed');
    expect(await queue.getJobState('3')).toBe('completed');
    await expect.poll(() => page.locator('#detail .timeline').textContent()).toContain('attempt 2');
  });

  it('shows a job added by another process without a reload', async () => {
    // A reload would drop this marker from the page's global scope.
    await page.evaluate(() => void ((globalThis as Record<string, unknown>).bulliteMarker = 'same page'));
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [BIN, 'add', 'monthly-report', '--db', db, '--queue', 'reports', '--data', '{"month":"2026-01"}'], (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    const reports = page.locator('.queue[data-queue="reports"]');
    await reports.waitFor({ timeout: 15_000 });
    await reports.click();
    await page.locator('.tab[data-state="waiting"]').click();
    await expect.poll(() => page.locator('#jobs tr.job td:nth-child(2)').allTextContents()).toEqual(['monthly-report']);
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).bulliteMarker)).toBe('same page');
  });

  it('refuses requests without the token, from other hosts and cross-origin writes', async () => {
    const base = new URL(dashboard.url);
    const origin = `${base.protocol}//${base.host}`;
    const noToken = await context.newPage();
    const res = await noToken.goto(`${origin}/`);
    expect(res?.status()).toBe(401);
    expect(await noToken.textContent('body')).toContain('Missing or wrong access token');
    await noToken.close();
    expect(await raw(`${origin}/api/queues`)).toBe(401);
    expect(await raw(`${origin}/api/queues?token=wrong${dashboard.token.slice(5)}`)).toBe(401);
    const action = JSON.stringify({ action: 'pause', queue: 'emails' });
    expect(await raw(`${origin}/api/action?token=${dashboard.token}`, { method: 'POST', body: action })).toBe(401);
    expect(await raw(`${origin}/api/queues?token=${dashboard.token}`, { headers: { host: 'evil.example:80' } })).toBe(421);
    const crossSite = { 'x-bullite-token': dashboard.token, origin: 'http://evil.example' };
    expect(await raw(`${origin}/api/action`, { method: 'POST', headers: crossSite, body: action })).toBe(403);
    expect(await queue.isPaused()).toBe(false);
    expect(await raw(`${origin}/api/queues?token=${dashboard.token}`)).toBe(200);
  });
});
