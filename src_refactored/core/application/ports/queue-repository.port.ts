/** Queue-level flags and settings, kept apart from job operations. */
export interface IQueueRepository {
  setPaused(queue: string, paused: boolean): Promise<void>;
  isPaused(queue: string): Promise<boolean>;
  /** Names of every queue that has a row (had a job, or was paused or configured). */
  listQueues(): Promise<string[]>;
}

export const QUEUE_REPOSITORY = Symbol.for('bullite.IQueueRepository');
