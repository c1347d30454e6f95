import type { JobsOptions } from './job-options.js';

/**
 * The data of the job bullite adds to `opts.deadLetter.queue` when a job fails for good (same transaction
 * as the failure). The copy keeps the original job's name; its own options are the defaults. Re-drive it
 * with `new Queue(d.source.queue).add(d.source.name, d.data, d.opts)` (drop `d.opts.jobId` first if the
 * failed original is still stored under that id).
 */
export interface DeadLetterData<D = unknown> {
  source: { queue: string; id: string; name: string };
  data: D;
  opts: JobsOptions;
  failedReason: string;
  /** One entry per failed attempt, oldest first (bounded by the job's `stackTraceLimit`). */
  stacktrace: string[];
  attemptsMade: number;
  attemptsStarted: number;
  stalledCounter: number;
  /** When the original job was created, last started, and failed for good (epoch ms). */
  timestamp: number;
  processedOn: number | null;
  failedOn: number;
}
