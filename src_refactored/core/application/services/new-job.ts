import type { JobsOptions } from '../../domain/job/job-options.js';
import type { NewJob } from '../ports/job-record.js';

/** The store's view of a job to add, from validated options (shared by `add` and job schedulers). */
export function buildNewJob(queue: string, name: string, dataJson: string, opts: JobsOptions): NewJob {
  return {
    queue,
    name,
    dataJson,
    opts,
    customId: opts.jobId,
    priority: opts.priority ?? 0,
    lifo: opts.lifo ?? false,
    delay: opts.delay ?? 0,
    maxAttempts: opts.attempts ?? 1,
    groupId: opts.group?.id,
  };
}
