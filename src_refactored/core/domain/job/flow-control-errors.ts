import { BulliteError } from '../../../shared/bullite-error.js';

/**
 * Thrown by a processor after `worker.rateLimit(ms)` (or `queue.rateLimit(ms)`): the job goes back to
 * waiting without counting an attempt and the queue claims nothing until the limit expires.
 */
export class RateLimitError extends BulliteError {
  constructor(message = RATE_LIMIT_ERROR_MESSAGE) {
    super('ERR_RATE_LIMIT', message);
  }
}

/** BullMQ's `RATE_LIMIT_ERROR` text, which users match on. */
export const RATE_LIMIT_ERROR_MESSAGE = 'bullmq:rateLimitExceeded';

/** Reason given to a processor's signal when its attempt ran past `opts.timeout`; the attempt fails (retried if attempts remain). */
export class TimeoutError extends BulliteError {
  constructor(jobId: string, timeoutMs: number) {
    super('ERR_JOB_TIMEOUT', `Job ${jobId} timed out after ${timeoutMs} ms`);
  }
}
