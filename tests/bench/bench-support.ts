import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What one workload run reports back to the orchestrator (one child process, one database file). */
export interface WorkloadResult {
  /** The headline figure: jobs/s for throughput workloads, ms for latency ones, % for idle CPU. */
  value: number;
  unit: 'jobs/s' | 'ms' | '%';
  /** Secondary figures (latency percentiles, per-page times…), reported as they are. */
  extra?: Record<string, number | string>;
  /** Filled in by the child entry: process.resourceUsage().maxRSS, in MB. */
  rssMB?: number;
}

/** Counts and sizes of one run; `--quick` shrinks them for a smoke test. */
export interface BenchParams {
  addOne: number;
  addBulk: number;
  bulkBatch: number;
  process: number;
  latencySamples: number;
  crossSamples: number;
  storedJobs: number;
  searchPages: number;
  idleMs: number;
  workerProcesses: number;
}

export const FULL: BenchParams = {
  addOne: 20_000,
  addBulk: 100_000,
  bulkBatch: 1_000,
  process: 20_000,
  latencySamples: 2_000,
  crossSamples: 200,
  storedJobs: 1_000_000,
  searchPages: 20,
  idleMs: 5_000,
  workerProcesses: 4,
};

export const QUICK: BenchParams = {
  addOne: 1_000,
  addBulk: 5_000,
  bulkBatch: 1_000,
  process: 1_000,
  latencySamples: 100,
  crossSamples: 20,
  storedJobs: 20_000,
  searchPages: 5,
  idleMs: 500,
  workerProcesses: 2,
};

/** A fresh folder in os.tmpdir() holding one database file (WAL beside it); removed by cleanup. */
export function benchDb(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bullite-bench-'));
  return { path: join(dir, 'bench.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A wall-clock instant comparable across processes (ms since the epoch, sub-ms resolution). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return percentile(sorted, 50);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

/** A helper script beside this module: the .ts source under tsx, the bundled .js when built. */
export function siblingScript(base: string): { file: string; execArgv: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  return { file: fileURLToPath(new URL(`./${base}.${ts ? 'ts' : 'js'}`, import.meta.url)), execArgv: ts ? ['--import', 'tsx'] : [] };
}

/**
 * Times `work` (which handles `count` jobs) in wall time and in this process's CPU time. On a shared
 * machine the CPU µs per job is the steadier figure: other processes stretch the wall time of a run
 * much more than the CPU time it needs.
 *
 * A workload that reports `progress(done)` as it goes also gets `secondHalfJobsPerS`: the rate of the
 * jobs after the first report of at least `count / 2` done (a batch can pass the middle) alone. A fresh process runs the engine's JavaScript cold, and V8 optimises it
 * over the first few thousand jobs (a W3 drain's first 2 000 jobs cost 2–5 × the CPU of its later ones),
 * so the second half is the rate a long-running worker keeps; the headline figure stays the whole run's.
 */
export async function measure(count: number, work: (progress: (done: number) => void) => unknown): Promise<WorkloadResult> {
  let half: { at: number; done: number } | undefined;
  const middle = count / 2;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await work((done) => {
    if (half === undefined && done >= middle) half = { at: performance.now(), done };
  });
  const end = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const extra: Record<string, number> = { cpuUsPerJob: Math.round(((cpu.user + cpu.system) / count) * 10) / 10 };
  if (half !== undefined) extra.secondHalfJobsPerS = rate(count - half.done, end - half.at);
  return { value: rate(count, end - t0), unit: 'jobs/s', extra };
}
