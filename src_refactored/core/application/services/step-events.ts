import type { EventBus } from '../ports/event-bus.port.js';
import type { JobRecord, SettleCommand, SettleResult } from '../ports/job-record.js';
import type { SettleOutcome } from './settle-command.js';
import { CancelledError } from '../../domain/job/cancel-errors.js';

interface SettledStep {
  command: SettleCommand;
  outcome: SettleOutcome;
  active: { record: JobRecord };
}

/**
 * The queue events of one worker pump: each accepted settle's outcome, the follow-up effects, then an
 * `active` per claimed job (the order the store changed them). Called inside the pump's transaction,
 * so the durable stream stores them with the same commit (one commit per pump instead of two).
 */
export function publishStepEvents(events: EventBus, queue: string, steps: readonly SettledStep[], result: SettleResult): void {
  steps.forEach((step, i) => {
    if (result.accepted[i]) publishSettled(events, queue, step);
  });
  for (const effect of result.effects ?? []) events.publish(effect);
  for (const record of result.claimed) events.publish({ queue, event: 'active', args: { jobId: record.id, prev: 'waiting' } });
}

function publishSettled(events: EventBus, queue: string, { command, outcome, active: { record } }: SettledStep): void {
  const publish = (event: string, args: Record<string, unknown>) => events.publish({ queue, event, args: { jobId: record.id, ...args } });
  if (outcome.kind === 'completed') return publish('completed', { returnvalue: outcome.result, prev: 'active' });
  if (command.kind === 'requeue') return publish('waiting', { prev: 'active' });
  if (outcome.error instanceof CancelledError) publish('cancelled', { reason: outcome.error.message });
  if (command.kind === 'fail') {
    publish('failed', { failedReason: command.failedReason, prev: 'active' });
    if (record.attemptsMade + 1 >= record.maxAttempts) publish('retries-exhausted', { attemptsMade: record.attemptsMade + 1 });
  } else if (command.kind === 'retry' && command.runAt !== null) publish('delayed', { delay: command.runAt });
  else publish('waiting', { prev: 'active' });
}
