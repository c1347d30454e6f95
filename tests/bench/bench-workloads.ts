import type { BenchParams, WorkloadResult } from './bench-support.js';
import { rawAdd, rawBulk, rawProcess } from './raw-baseline.workload.js';
import { rawProcessBatched, schemaAdd, schemaProcess } from './schema-baseline.workload.js';
import { addBulk, addOneByOne, multiProcess, processBesideStored, processJobs, processLargeJobs, searchPages } from './bullite-throughput.workload.js';
import { addToStart, crossProcessPickup, idleCpu } from './bullite-latency.workload.js';

export interface WorkloadSpec {
  title: string;
  run: (p: BenchParams) => WorkloadResult | Promise<WorkloadResult>;
  /** The raw workload this one is divided by (R3 for processing, R1/R2 for adds). */
  baseline?: string;
  /**
   * The same work as raw SQL on bullite's own schema (RS*, RSB4): the floor the schema alone sets. The
   * ratio to it is what our code costs; the targets stay on `baseline`.
   */
  floor?: string;
  /** A target from issue 6, checked on the median: `ratio` against the baseline, or the value itself. */
  target?: { ratio?: number; max?: number; against?: string; text: string };
}

/** Every workload the bench knows, in table order. R* are the raw-SQLite limits. */
export const WORKLOADS: Record<string, WorkloadSpec> = {
  R1: { title: 'raw: INSERT, one per transaction', run: rawAdd },
  R2: { title: 'raw: INSERT in transactions of 1 000', run: rawBulk },
  R3: { title: 'raw: claim tx + complete tx per job', run: rawProcess },
  RB4: { title: 'raw: 16 claims per tx + 16 completions per tx', run: (p) => rawProcessBatched(p, 16), baseline: 'R3' },
  RS1: { title: "raw on bullite's schema: R1", run: (p) => schemaAdd(p, 1), baseline: 'R1' },
  RS2: { title: "raw on bullite's schema: R2", run: (p) => schemaAdd(p, p.bulkBatch), baseline: 'R2' },
  RS3: { title: "raw on bullite's schema: R3", run: (p) => schemaProcess(p, 1), baseline: 'R3' },
  RSB4: { title: "raw on bullite's schema: RB4", run: (p) => schemaProcess(p, 16), baseline: 'R3' },
  W1: { title: 'add() one at a time', run: addOneByOne, baseline: 'R1', floor: 'RS1', target: { ratio: 0.8, text: '≥ 80 % of R1' } },
  W2: { title: 'addBulk() batches of 1 000', run: addBulk, baseline: 'R2', floor: 'RS2', target: { ratio: 0.7, text: '≥ 70 % of R2' } },
  W3: { title: 'process, 1 worker, concurrency 1', run: (p) => processJobs(p, 1), baseline: 'R3', floor: 'RS3', target: { ratio: 0.9, text: '≥ 90 % of R3' } },
  W4: { title: 'process, 1 worker, concurrency 16', run: (p) => processJobs(p, 16), baseline: 'R3', floor: 'RSB4', target: { ratio: 3, text: '≥ 3 × R3' } },
  W5: { title: 'add→start, idle worker, in-process (p50)', run: addToStart, target: { max: 1, text: 'p50 ≤ 1 ms, p99 ≤ 5 ms' } },
  W5x: { title: 'add→start, worker in another process (p99)', run: crossProcessPickup, target: { max: 50, text: 'p99 ≤ 50 ms' } },
  IDLE: { title: 'CPU of an idle worker (% of a core)', run: idleCpu, target: { max: 1, text: '< 1 %' } },
  W6: { title: 'W3 beside 1 000 000 stored jobs', run: processBesideStored, baseline: 'R3', target: { ratio: 0.9, against: 'W3', text: 'within 10 % of W3' } },
  W3L: { title: 'W3 with 20 KB of data per job', run: processLargeJobs },
  W7: { title: '4 worker processes on one file', run: multiProcess, baseline: 'R3' },
  W8: { title: 'page of 50 over 1 000 000 jobs', run: searchPages, target: { max: 20, text: '≤ 20 ms per page' } },
};
