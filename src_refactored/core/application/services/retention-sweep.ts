import type { IJobRepository } from '../ports/job-repository.port.js';
import type { KeepJobs } from '../../domain/job/job-options.js';
import { DEFAULT_REMOVE_ON_COMPLETE, DEFAULT_REMOVE_ON_FAIL, retentionLimits } from '../../domain/job/job-options.js';

/**
 * Age-based retention for a queue that may have gone quiet. Retention normally runs as jobs finish
 * (the finishing job's rule trims its queue); an age rule also has to act when nothing finishes, so the
 * scheduler applies the rule of the newest finished job (the one in force) periodically. Each call
 * deletes at most one batch per state (the store bounds it), so a sweep never holds the lock for long.
 */
export async function sweepRetention(
  jobs: IJobRepository,
  queue: string,
  workerRules: { removeOnComplete?: KeepJobs; removeOnFail?: KeepJobs },
  now: number,
): Promise<void> {
  for (const state of ['completed', 'failed'] as const) {
    const opts = await jobs.newestFinishedOpts(queue, state);
    if (opts === null) continue;
    const { ageMs } =
      state === 'completed'
        ? retentionLimits(opts.removeOnComplete ?? workerRules.removeOnComplete, DEFAULT_REMOVE_ON_COMPLETE)
        : retentionLimits(opts.removeOnFail ?? workerRules.removeOnFail, DEFAULT_REMOVE_ON_FAIL);
    if (ageMs !== undefined) await jobs.applyRetention(queue, state, { ageMs }, now);
  }
}
