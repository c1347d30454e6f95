import type { JobRecord, SettleCommand } from '../ports/job-record.js';
import type { WorkerRunnerOptions } from './worker-runner-options.js';
import { builtInBackoffDelay, normalizeBackoff } from '../../domain/job/backoff.js';
import { Job } from '../../domain/job/job.entity.js';
import {
  DEFAULT_REMOVE_ON_COMPLETE,
  DEFAULT_REMOVE_ON_FAIL,
  DEFAULT_STACKTRACE_LIMIT,
  retentionLimits,
} from '../../domain/job/job-options.js';
import { ValidationError } from '../../../shared/bullite-error.js';
import { serializeJson } from './json-value.js';
import { isStepError } from '../../domain/job/step-errors.js';

export type SettleOutcome = { kind: 'completed'; result: unknown } | { kind: 'failed'; error: Error };

/** Errors that must not be retried: the processor said so, or the job was cancelled. */
function isUnrecoverable(error: Error): boolean {
  return error.name === 'UnrecoverableError' || error.name === 'CancelledError';
}

/**
 * The processor moved its own job and threw DelayedError, WaitingError or WaitingChildrenError: the attempt
 * is neither completed nor failed, and nothing is written for it (the move already was).
 */
export function movedByProcessor(outcome: SettleOutcome): boolean {
  return outcome.kind === 'failed' && isStepError(outcome.error);
}

/**
 * Turns the outcome of one attempt into the store command that records it: completion (with the
 * retention to apply), a retry now or after backoff, or the final failure. A return value that is not
 * JSON-serialisable fails the attempt instead of being stored mangled.
 */
export async function settleCommandFor(
  record: JobRecord,
  token: string,
  outcome: SettleOutcome,
  opts: WorkerRunnerOptions,
  jobHandle: unknown,
  now: number,
): Promise<{ command: SettleCommand; outcome: SettleOutcome }> {
  const ref = { queue: record.queue, id: record.id, token };
  if (outcome.kind === 'completed') {
    try {
      const returnvalueJson = serializeJson(outcome.result, 'returnvalue');
      const retention = retentionLimits(record.opts.removeOnComplete ?? opts.removeOnComplete, DEFAULT_REMOVE_ON_COMPLETE);
      return { command: { kind: 'complete', ...ref, returnvalueJson, retention }, outcome };
    } catch (error) {
      outcome = { kind: 'failed', error: error as ValidationError };
    }
  }
  const error = outcome.error;
  const limit = record.opts.stackTraceLimit ?? DEFAULT_STACKTRACE_LIMIT;
  const stacktrace = limit > 0 ? [...record.stacktrace, error.stack ?? String(error)].slice(-limit) : [];
  const failedReason = error.message || String(error);
  const attemptsMade = record.attemptsMade + 1;
  const entity = Job.restore({ ...record, attemptsMade });
  const unrecoverable = isUnrecoverable(error);
  let backoffDelay: number | undefined;
  const backoff = normalizeBackoff(record.opts.backoff);
  if (backoff !== undefined && !unrecoverable && attemptsMade < record.maxAttempts) {
    backoffDelay = builtInBackoffDelay(backoff, attemptsMade, Math.random);
    if (backoffDelay === undefined && opts.backoffStrategy !== undefined) {
      try {
        backoffDelay = await opts.backoffStrategy(attemptsMade, backoff.type, error, jobHandle);
      } catch {
        backoffDelay = undefined;
      }
    }
  }
  const decision = entity.afterFailure({ unrecoverable, backoffDelay, now });
  if (decision.kind === 'retry') {
    return { command: { kind: 'retry', ...ref, failedReason, stacktrace, runAt: decision.runAt }, outcome };
  }
  const retention = retentionLimits(record.opts.removeOnFail ?? opts.removeOnFail, DEFAULT_REMOVE_ON_FAIL);
  const deadLetter = record.opts.deadLetter?.queue;
  return { command: { kind: 'fail', ...ref, failedReason, stacktrace, retention, deadLetter }, outcome };
}
