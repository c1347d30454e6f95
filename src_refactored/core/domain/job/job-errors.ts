import { BulliteError } from '../../../shared/bullite-error.js';

/** Thrown by a processor to fail the job without further retries (BullMQ's UnrecoverableError). */
export class UnrecoverableError extends BulliteError {
  constructor(message = 'Unrecoverable') {
    super('ERR_UNRECOVERABLE', message);
  }
}

/** A worker write whose lock token no longer matches: the job was recovered or claimed elsewhere. */
export class LockLostError extends BulliteError {
  constructor(jobId: string, command: string) {
    // BullMQ's wording, which users search for.
    super('ERR_LOCK_LOST', `Missing lock for job ${jobId}. ${command}`);
  }
}

export class JobNotFoundError extends BulliteError {
  constructor(jobId: string, command: string) {
    super('ERR_JOB_NOT_FOUND', `Missing key for job ${jobId}. ${command}`);
  }
}

export class JobLockedError extends BulliteError {
  constructor(jobId: string) {
    super('ERR_JOB_LOCKED', `Job ${jobId} could not be removed because it is locked by another worker`);
  }
}

export class JobStateError extends BulliteError {
  constructor(jobId: string, state: string, command: string) {
    super('ERR_JOB_STATE', `Job ${jobId} is not in a state that allows ${command} (it is ${state})`);
  }
}

export const STALLED_LIMIT_REASON = 'job stalled more than allowable limit';
