import { BulliteError } from '../../../shared/bullite-error.js';

/** Reason given to a processor's signal when its job was cancelled (`cancelJob`); never retried. */
export class CancelledError extends BulliteError {
  constructor(reason = 'Job cancelled') {
    super('ERR_CANCELLED', reason);
  }
}

/** Reason given to a processor's signal when its worker closes with `force`. */
export class WorkerClosedError extends BulliteError {
  constructor() {
    super('ERR_WORKER_CLOSED', 'Worker closed before the job finished');
  }
}
