import type { IJobRepository } from '../../src_refactored/core/application/ports/job-repository.port.js';

/**
 * Both passes of stalled recovery at once (the engine's sweeper waits a real-time grace between them):
 * the candidates found are decided with `maxStalledCount` and recovered if their locks did not move.
 */
export async function sweepStalledNow(repo: IJobRepository, queue: string, now: number, maxStalledCount: number) {
  const candidates = await repo.findStalled(queue, now, 1000);
  const decisions = candidates.map((c) => ({ id: c.id, lockedUntil: c.lockedUntil, fail: c.stalledCounter + 1 > maxStalledCount, retention: {} }));
  return repo.recoverStalledJobs(queue, decisions, now);
}
