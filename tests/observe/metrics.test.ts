import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { Queue, ValidationError, Worker, registerPrometheusMetrics } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { openEngine, openSameStore, until } from '../support/engine-fixture.js';
import { parsePrometheusText } from '../support/prometheus-text-parser.js';

describe('metrics', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function run(clock: FakeClock) {
    const { engine, close, path } = await openEngine('wal-file', { clock });
    const queue = new Queue('m"q', { connection: engine });
    cleanups.push(close, () => queue.close());
    const worker = new Worker('m"q', async (job) => {
      const data = job.data as { fail?: boolean; slowMs?: number };
      if (data.slowMs) clock.advance(data.slowMs);
      if (data.fail) throw new Error('nope');
      return null;
    }, { connection: engine, concurrency: 1 });
    cleanups.push(() => worker.close());
    return { engine, queue, worker, path };
  }

  it('counts completed and failed jobs per minute, newest minute first (getMetrics)', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 30));
    const { queue } = await run(clock);
    await queue.addBulk([{ name: 'a', data: {} }, { name: 'a', data: {} }, { name: 'a', data: { fail: true } }]);
    await until(async () => (await queue.getJobCounts('completed')).completed === 2 && (await queue.getJobCounts('failed')).failed === 1);
    clock.advance(3 * 60_000);
    await queue.add('a', {});
    await until(async () => (await queue.getJobCounts('completed')).completed === 3);

    const completed = await queue.getMetrics('completed');
    expect(completed.data).toEqual([1, 0, 0, 2]);
    expect(completed.count).toBe(4);
    expect(completed.meta.count).toBe(3);
    expect((await queue.getMetrics('completed', 1, 2)).data).toEqual([0, 0]);
    const failed = await queue.getMetrics('failed');
    expect(failed.data.at(-1)).toBe(1);
    expect(failed.meta.count).toBe(1);
  });

  it("another engine on the store sees a process's figures within about a second, and all of them once it closed", async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 30));
    const { engine, queue, path } = await run(clock);
    await queue.addBulk([{ name: 'a', data: {} }, { name: 'a', data: {} }]);
    await until(async () => (await queue.getJobCounts('completed')).completed === 2);
    const other = await openSameStore(path);
    cleanups.push(() => other.close());
    const elsewhere = new Queue('m"q', { connection: other });
    // SQLite writes a process's observations at most a second after they commit (a write-behind buffer);
    // PostgreSQL writes them with each step. Either way they arrive without any further job.
    await until(async () => (await elsewhere.getMetrics('completed')).meta.count === 2, 5_000);
    await queue.add('a', {});
    await until(async () => (await queue.getJobCounts('completed')).completed === 3);
    await engine.close(); // writes what this process still holds
    expect((await elsewhere.getMetrics('completed')).meta.count).toBe(3);
  });

  it('exports a Prometheus exposition that a strict text-format parser accepts', async () => {
    const clock = new FakeClock();
    const { queue } = await run(clock);
    await queue.add('slow', { slowMs: 1500 });
    await queue.add('fast', {});
    await queue.add('bad', { fail: true });
    await until(async () => (await queue.getJobCounts('completed', 'failed')).completed === 2);
    await until(async () => (await queue.getJobCounts('failed')).failed === 1);
    await queue.add('later', {}, { delay: 60_000 });

    const text = await queue.exportPrometheusMetrics();
    const families = parsePrometheusText(text);
    const value = (family: string, labels: Record<string, string>) =>
      families.get(family)!.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(families.get('bullite_jobs')!.type).toBe('gauge');
    expect(value('bullite_jobs', { queue: 'm"q', state: 'completed' })).toBe(2);
    expect(value('bullite_jobs', { queue: 'm"q', state: 'delayed' })).toBe(1);
    expect(value('bullite_jobs_completed_total', { queue: 'm"q' })).toBe(2);
    expect(value('bullite_jobs_failed_total', { queue: 'm"q' })).toBe(1);
    const processing = families.get('bullite_job_processing_seconds')!;
    expect(processing.type).toBe('histogram');
    const bucket = (le: string) => processing.samples.find((s) => s.name.endsWith('_bucket') && s.labels.le === le)!.value;
    expect(bucket('1')).toBe(2); // fast and bad took 0 ms on the fake clock
    expect(bucket('2.5')).toBe(3); // slow took 1.5 s
    expect(processing.samples.find((s) => s.name.endsWith('_sum'))!.value).toBe(1.5);
    expect(families.get('bullite_job_wait_seconds')!.samples.find((s) => s.name.endsWith('_count'))!.value).toBe(3);
    const labelled = parsePrometheusText(await queue.exportPrometheusMetrics({ env: 'prod' }));
    expect(labelled.get('bullite_jobs_failed_total')!.samples[0].labels).toEqual({ env: 'prod', queue: 'm"q' });
    await expect(queue.exportPrometheusMetrics({ 'bad-label': 'x' })).rejects.toThrow(ValidationError);
  });

  it('registers the same figures in a prom-client registry', async () => {
    const clock = new FakeClock();
    const { queue, engine } = await run(clock);
    await queue.add('x', {});
    await until(async () => (await queue.getJobCounts('completed')).completed === 1);
    const registry = new Registry();
    registerPrometheusMetrics(registry, engine);
    const families = parsePrometheusText(await registry.metrics());
    expect(families.get('bullite_jobs_completed_total')!.samples[0]).toMatchObject({ labels: { queue: 'm"q' }, value: 1 });
    expect(families.get('bullite_job_processing_seconds')!.samples.some((s) => s.labels.le === '+Inf' && s.value === 1)).toBe(true);
  });

  it('the strict parser refuses malformed expositions', () => {
    expect(() => parsePrometheusText('x 1\n')).toThrow(/no TYPE/);
    expect(() => parsePrometheusText('# TYPE x gauge\nx{a="b} 1\n')).toThrow();
    expect(() => parsePrometheusText('# TYPE x gauge\nx 1\nx 2\n')).toThrow(/duplicate/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n')).toThrow(/cumulative/);
  });
});
