import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createQueueEngine, Queue } from '../../src_refactored/index.js';
import { fillWaitingJobs } from '../bench/million-store.js';
import { tempDir } from '../support/engine-fixture.js';
import { FakeClock } from '../support/fake-clock.js';

const run = promisify(execFile);

describe('benchmark harness', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => {
    cleanup?.();
    cleanup = undefined;
  });

  it('a --quick run of one workload completes and writes its result beside the raw baseline and the schema floor', async () => {
    const temp = tempDir('bullite-bench-smoke-');
    cleanup = temp.cleanup;
    const out = join(temp.dir, 'results.json');
    await run(process.execPath, ['--import', 'tsx', 'tests/bench/run-bench.ts', '--quick', '--only', 'W3', '--out', out], {
      timeout: 50_000,
    });
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(report.summaries)).toEqual(['R3', 'RS3', 'W3']);
    expect(report.summaries.W3.median).toBeGreaterThan(0);
    expect(report.summaries.W3.ratioTo).toBe('R3');
    expect(report.summaries.W3.ratio).toBeGreaterThan(0);
    expect(report.summaries.W3.floorTo).toBe('RS3');
    expect(report.summaries.W3.floorRatio).toBeGreaterThan(0);
    expect(report.summaries.RS3.median).toBeGreaterThan(0);
    expect(report.summaries.W3.rssMB).toBeGreaterThan(0);
    // The warm rate (the drain's second half) of W3 and of its baseline, and their ratio.
    expect(report.summaries.W3.extra.secondHalfJobsPerS).toBeGreaterThan(0);
    expect(report.summaries.R3.extra.secondHalfJobsPerS).toBeGreaterThan(0);
    expect(report.summaries.W3.secondHalfRatio).toBeGreaterThan(0);
  });

  it('the million-job store builder writes the rows addBulk writes', async () => {
    const temp = tempDir('bullite-bench-fill-');
    cleanup = temp.cleanup;
    const clock = new FakeClock();
    const rows = async (file: string, build: (engine: Awaited<ReturnType<typeof createQueueEngine>>) => Promise<void>) => {
      const engine = await createQueueEngine({ path: join(temp.dir, file), clock });
      await build(engine);
      await engine.close();
      const db = new Database(join(temp.dir, file), { readonly: true });
      const all = db.prepare('SELECT * FROM jobs ORDER BY id').all();
      const counters = db.prepare('SELECT name, id_counter, seq_counter FROM queues').all();
      db.close();
      return { all, counters };
    };
    const seed = [{ name: 'bulk', data: { i: 0 } }];
    const viaApi = await rows('api.db', async (engine) => {
      const queue = new Queue('q', { connection: engine });
      await queue.addBulk(seed);
      await queue.addBulk([1, 2, 3].map((i) => ({ name: 'bulk', data: { i } })));
    });
    const viaFill = await rows('fill.db', async (engine) => {
      await new Queue('q', { connection: engine }).addBulk(seed);
      fillWaitingJobs(join(temp.dir, 'fill.db'), 'q', 3, clock.now());
    });
    expect(viaFill).toEqual(viaApi);
  });
});
