import { ValidationError } from '../../../shared/bullite-error.js';

/**
 * A custom job id. Integer-looking ids are refused because they would collide with the per-queue
 * counter ids ('1', '2', …); the message is BullMQ's.
 */
export function assertCustomJobId(id: string, field = 'opts.jobId'): string {
  if (id.length === 0 || id.length > 512) {
    throw new ValidationError(field, 'Custom Id must be 1 to 512 characters');
  }
  if (`${Number.parseInt(id, 10)}` === id) {
    throw new ValidationError(field, 'Custom Ids cannot be integers');
  }
  return id;
}
