import { ValidationError } from '../../../shared/bullite-error.js';

/** BullMQ stores priorities in 21 bits; the same bound keeps migrated code valid. */
export const MAX_PRIORITY = 2_097_151;

export function assertPriority(value: number, field = 'opts.priority'): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PRIORITY) {
    throw new ValidationError(field, `Priority should be between 0 and ${MAX_PRIORITY}`);
  }
  return value;
}
