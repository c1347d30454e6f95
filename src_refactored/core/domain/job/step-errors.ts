import { BulliteError } from '../../../shared/bullite-error.js';

/*
 * Thrown by a processor right after it moved its own job (step jobs). The worker then records nothing for
 * the attempt: the job is already where the processor put it and the attempt is not counted as failed.
 * A processor that throws one of these without moving the job leaves it active until its lock expires
 * (it is then recovered as stalled), as in BullMQ.
 */

/** After `job.moveToDelayed(timestamp, token)`. BullMQ's default message. */
export class DelayedError extends BulliteError {
  constructor(message = 'Delayed error') {
    super('ERR_DELAYED', message);
  }
}

/** After `job.moveToWait(token)`. */
export class WaitingError extends BulliteError {
  constructor(message = 'Waiting error') {
    super('ERR_WAITING', message);
  }
}

/** After `job.moveToWaitingChildren(token)` returned true. */
export class WaitingChildrenError extends BulliteError {
  constructor(message = 'Waiting children error') {
    super('ERR_WAITING_CHILDREN', message);
  }
}

const STEP_ERRORS = new Set(['DelayedError', 'WaitingError', 'WaitingChildrenError']);

/** True for the errors a processor throws after moving its own job (matched by name: works across realms). */
export function isStepError(error: Error): boolean {
  return STEP_ERRORS.has(error.name);
}
