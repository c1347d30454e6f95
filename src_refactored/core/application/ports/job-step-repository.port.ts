import type { LockRef } from './job-repository.port.js';

/**
 * Moves a processor makes on its own job (step jobs) and re-scheduling of waiting jobs. Moves of an active
 * job are fenced by its lock token and never count an attempt.
 */
export interface IJobStepRepository {
  /** Active → delayed until `runAt` (or straight back to waiting when `runAt <= now`). false: lock lost. */
  moveToDelayed(lock: LockRef, runAt: number, now: number): Promise<boolean>;
  /** Active → waiting (back of the queue). false: lock lost. */
  moveToWait(lock: LockRef): Promise<boolean>;
  /** A delayed job becomes due `delay` ms after `now`. false: the job is not delayed. */
  changeDelay(queue: string, id: string, delay: number, now: number): Promise<boolean>;
  /** New priority (and LIFO/FIFO place) of a job that has not finished. false: missing or finished. */
  changePriority(queue: string, id: string, priority: number, lifo: boolean): Promise<boolean>;
}

export const JOB_STEP_REPOSITORY = Symbol.for('bullite.IJobStepRepository');
