import { ValidationError } from '../../../shared/bullite-error.js';

// Printable, no control characters, bounded: names show up in CLI tables, URLs and log lines.
const QUEUE_NAME = /^[^\s\p{Cc}][^\p{Cc}]{0,198}[^\s\p{Cc}]$|^[^\s\p{Cc}]$/u;

export function assertQueueName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValidationError(field, 'Queue name must be provided');
  }
  if (!QUEUE_NAME.test(name)) {
    throw new ValidationError(
      field,
      'Queue name must be 1 to 200 printable characters without leading or trailing spaces',
    );
  }
  return name;
}
