import { fork } from 'node:child_process';
import { Queue, Worker } from '../../src_refactored/index.js';
import { percentile, siblingScript, sleep, wallNow, type BenchParams, type WorkloadResult } from './bench-support.js';
import { BENCH_QUEUE, withEngine } from './bullite-throughput.workload.js';

const round = (n: number) => Math.round(n * 1000) / 1000;

function summary(samples: number[]): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), samples: sorted.length };
}

/**
 * W5: ms from calling `queue.add()` to the processor starting, with an idle worker in the same engine
 * (the in-process wake-up path). Each sample waits until the worker is idle again; 50 warm-up samples
 * are dropped.
 */
export function addToStart(p: BenchParams): Promise<WorkloadResult> {
  return withEngine(async (engine) => {
    const queue = new Queue(BENCH_QUEUE, { connection: engine });
    let started: ((at: number) => void) | undefined;
    const worker = new Worker(BENCH_QUEUE, async () => started?.(performance.now()), { connection: engine, concurrency: 1 });
    const samples: number[] = [];
    for (let i = -50; i < p.latencySamples; i++) {
      await sleep(1); // the previous job settles and the worker goes idle
      const startedAt = new Promise<number>((resolve) => (started = resolve));
      const t0 = performance.now();
      await queue.add('lat', { i });
      const ms = (await startedAt) - t0;
      if (i >= 0) samples.push(ms);
    }
    await worker.close();
    const s = summary(samples);
    return { value: s.p50, unit: 'ms', extra: s };
  });
}

/**
 * W5x: cross-process pick-up. A worker process with default idle settings waits on the same file; this
 * process adds a job at a random moment and the worker reports when the processor started.
 */
export function crossProcessPickup(p: BenchParams): Promise<WorkloadResult> {
  return withEngine(async (engine, path) => {
    const queue = new Queue(BENCH_QUEUE, { connection: engine });
    const script = siblingScript('pickup-worker.process');
    const child = fork(script.file, [path], { execArgv: script.execArgv, stdio: 'inherit' });
    await new Promise((resolve) => child.once('message', resolve));
    const samples: number[] = [];
    try {
      for (let i = 0; i < p.crossSamples; i++) {
        await sleep(5 + Math.random() * 45); // a random phase against the worker's poll interval
        const startedAt = new Promise<number>((resolve) => child.once('message', (m: { at: number }) => resolve(m.at)));
        const t0 = wallNow();
        await queue.add('pickup', { i });
        samples.push((await startedAt) - t0);
      }
    } finally {
      child.kill();
    }
    const s = summary(samples);
    return { value: s.p99, unit: 'ms', extra: s };
  });
}

/** IDLE: CPU used by an engine with one idle worker (default settings), as % of one core. */
export function idleCpu(p: BenchParams): Promise<WorkloadResult> {
  return withEngine(async (engine) => {
    const worker = new Worker(BENCH_QUEUE, async () => undefined, { connection: engine, concurrency: 1 });
    await sleep(500);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(p.idleMs);
    const used = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    await worker.close();
    const pct = ((used.user + used.system) / 1000 / wall) * 100;
    return { value: Math.round(pct * 100) / 100, unit: '%', extra: { wallMs: Math.round(wall) } };
  });
}
