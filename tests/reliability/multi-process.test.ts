import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createQueueEngine } from '../../src_refactored/index.js';
import { tempDir, until } from '../support/engine-fixture.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/multi-process/worker-process.ts', import.meta.url));
const PROCESSES = 4;
const JOBS = 5_000;

interface Proc {
  child: ChildProcess;
  added: Promise<void>;
  exited: Promise<string>;
  stderr: string[];
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const added = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('added') && resolve());
    child.once('exit', (code) => reject(new Error(`process exited (${code}) before adding: ${stderr.join('')}`)));
  });
  added.catch(() => undefined);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`code ${code} signal ${signal}`)));
  return { child, added, exited, stderr };
}

/** "<jobId> <pid>" lines → jobId → pids in order. */
function readLog(path: string): Map<string, number[]> {
  const byJob = new Map<string, number[]>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const [id, pid] = line.split(' ');
    byJob.set(id, [...(byJob.get(id) ?? []), Number(pid)]);
  }
  return byJob;
}

describe('many processes, one file', () => {
  it(`${PROCESSES} processes × concurrency 8 add and work ${JOBS} jobs; one is SIGKILLed and restarted mid-run; every job completes exactly once`, { timeout: 120_000 }, async () => {
    const temp = tempDir('bullite-multi-');
    try {
      const dbPath = join(temp.dir, 'jobs.db');
      const runsLog = join(temp.dir, 'runs.log');
      const completionsLog = join(temp.dir, 'completions.log');
      writeFileSync(runsLog, '');
      writeFileSync(completionsLog, '');
      await (await createQueueEngine({ path: dbPath })).close(); // schema in place before the race starts
      const args = (adds: number) => [dbPath, runsLog, completionsLog, String(adds)];
      const procs = Array.from({ length: PROCESSES }, () => start(args(JOBS / PROCESSES)));
      await Promise.all(procs.map((p) => p.added));

      const reader = new Database(dbPath, { readonly: true });
      const count = (state: string) => (reader.prepare('SELECT count(*) AS c FROM jobs WHERE state = ?').get(state) as { c: number }).c;
      await until(() => count('completed') >= JOBS * 0.3, 60_000);
      const victim = procs[1];
      const killedPid = victim.child.pid!;
      victim.child.kill('SIGKILL');
      await victim.exited;
      const activeAtKill = count('active');
      procs[1] = start(args(0));
      await procs[1].added;

      await until(() => count('completed') === JOBS, 90_000);
      const totals = reader.prepare('SELECT state, count(*) AS c FROM jobs GROUP BY state').all();
      // Jobs the victim held when it died came back through the stalled sweep (stalled_counter 1).
      const recovered = (reader.prepare('SELECT count(*) AS c FROM jobs WHERE stalled_counter > 0').get() as { c: number }).c;
      reader.close();
      for (const p of procs) p.child.kill('SIGTERM');
      const codes = await Promise.all(procs.map((p) => p.exited));
      expect(codes, procs.map((p) => p.stderr.join('').slice(-2000)).join('\n---\n')).toEqual(Array(PROCESSES).fill('code 0 signal null'));

      // The store: exactly JOBS jobs, all completed, each with its own key; none lost, none duplicated.
      expect(totals).toEqual([{ state: 'completed', c: JOBS }]);
      const engine = await createQueueEngine({ path: dbPath });
      const keys = (await engine.queues.getJobs('shared', ['completed'], 0, -1, true)).map((j) => (j.data as { key: string }).key);
      await engine.close();
      expect(new Set(keys).size).toBe(JOBS);

      // The logs: each completion recorded once; a job ran twice only if the killed process ran it first.
      const runs = readLog(runsLog);
      const completions = readLog(completionsLog);
      const ids = Array.from({ length: JOBS }, (_, i) => String(i + 1));
      const reranAfterKill: string[] = [];
      for (const id of ids) {
        const ran = runs.get(id) ?? [];
        const recorded = completions.get(id) ?? [];
        const bySurvivors = ran.filter((pid) => pid !== killedPid);
        expect(bySurvivors.length, `job ${id} runs ${ran}`).toBeLessThanOrEqual(1);
        expect(recorded.length, `job ${id} completions ${recorded}`).toBeLessThanOrEqual(1);
        if (recorded.length === 0) expect(ran.at(-1), `job ${id} has no completion`).toBe(killedPid);
        if (ran.length > 1) reranAfterKill.push(id);
      }
      expect(recovered).toBeGreaterThanOrEqual(1);
      expect(recovered).toBeLessThanOrEqual(8); // at most the victim's concurrency was interrupted
      expect(reranAfterKill.length).toBeLessThanOrEqual(recovered);
      const errors = procs.flatMap((p) => p.stderr).join('');
      console.log(
        `multi-process: ${JOBS} jobs, killed pid ${killedPid} with ${activeAtKill} jobs active in the store, ` +
          `${recovered} recovered from it, ${reranAfterKill.length} of them had run there already, worker error lines: ${errors.split('\n').filter(Boolean).length}`,
      );
    } finally {
      temp.cleanup();
    }
  });
});
