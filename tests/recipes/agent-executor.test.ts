import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAgentExecutor, createQueueEngine, Queue } from '../../src_refactored/index.js';
import { PROJECT_ROOT } from '../support/child-process.js';
import { nextEvent, openEngine, tempDir, until } from '../support/engine-fixture.js';

function startAgent(path: string, journal: string, env: Record<string, string>) {
  return spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/agent-worker.fixture.ts', path, journal], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
}

describe('agent executor recipe', () => {
  it('resumes from its last checkpoint after its worker process is SIGKILLed', async () => {
    const temp = tempDir();
    const path = join(temp.dir, 'agents.db');
    const journal = join(temp.dir, 'journal.log');
    writeFileSync(journal, '');
    const first = startAgent(path, journal, { ADD: '1', HANG_AFTER: '3' });
    await until(() => existsSync(journal) && readFileSync(journal, 'utf8').includes('hanging'), 30_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.on('close', r));

    // A new process recovers the stalled job once its lock expires and continues from step 4.
    const second = startAgent(path, journal, {});
    const code = await new Promise<number | null>((r) => second.on('close', r));
    expect(code).toBe(0);
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    const steps = lines.filter((l) => l.startsWith('step ')).map((l) => Number(l.slice(5)));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lines.filter((l) => l.startsWith('start')).map((l) => l.replace(/pid=\d+ /, ''))).toEqual(['start from=1', 'start from=4']);
    expect(lines.at(-1)).toBe('completed');

    const engine = await createQueueEngine({ path });
    const job = (await new Queue('agents', { connection: engine }).getJob('1'))!;
    expect(job.returnvalue).toEqual({ steps: 6 });
    expect(job.stalledCounter).toBe(1);
    expect(job.data).toEqual({ input: { steps: 6 }, checkpoint: { step: 6 } });
    expect(job.progress).toEqual({ stage: 'finalizing', pct: 100 });
    await engine.close();
    temp.cleanup();
  });

  it('reports the five stages in order and stops when its signal aborts', async () => {
    const fixture = await openEngine('memory');
    const stages: string[] = [];
    const executor = createAgentExecutor<{ n: number }, never, number>(fixture.engine, {
      queue: 'stages',
      validate: (input) => {
        if (input.n < 0) throw new Error('n must be positive');
      },
      run: async (ctx) => ctx.input.n * 2,
      output: (r) => ({ doubled: r }),
    });
    executor.worker.on('progress', (_job, p) => stages.push((p as { stage: string }).stage));
    const job = await executor.add({ n: 4 });
    const [, result] = await nextEvent<[unknown, unknown]>(executor.worker, 'completed');
    expect(result).toEqual({ doubled: 8 });
    expect([...new Set(stages)]).toEqual(['initializing', 'validating', 'executing', 'processing_output', 'finalizing']);
    expect((await fixture.engine.queues.getJobLogs('stages', job.id, 0, -1, true)).logs).toEqual([
      'stage: initializing',
      'stage: validating',
      'stage: executing',
      'stage: processing_output',
      'stage: finalizing',
    ]);
    await executor.add({ n: -1 });
    const [, error] = await nextEvent<[unknown, Error]>(executor.worker, 'failed');
    expect(error.message).toBe('n must be positive');

    await executor.close();
    const cancelled = await new Queue('stages', { connection: fixture.engine }).add('agent-run', { input: { n: 1 } });
    let cancelledRun!: () => void;
    const ran = new Promise<void>((r) => (cancelledRun = r));
    const slow = createAgentExecutor<{ n: number }, { at: number }, number>(fixture.engine, {
      queue: 'stages',
      run: async (ctx) => {
        cancelledRun();
        await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
        return 0;
      },
    });
    await ran;
    expect(slow.worker.cancelJob(cancelled.id, 'user pressed stop')).toBe(true);
    const [, cancelError] = await nextEvent<[unknown, Error]>(slow.worker, 'failed');
    expect(cancelError.message).toBe('user pressed stop');
    expect(await cancelled.getState()).toBe('failed');
    await slow.close();
    await fixture.close();
  });
});
