import type * as z from 'zod';
import { ValidationError } from '../../shared/bullite-error.js';

export interface Problem {
  /** Dotted path of the bad value, e.g. `data.recipients[2].email`. */
  path: string;
  message: string;
}

/** Turns every zod issue into a readable problem with a full path under `prefix`. */
export function problemsFrom(error: z.ZodError, prefix: string): Problem[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>(
      (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`),
      prefix,
    );
    const keys = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys : [];
    return keys.length > 0
      ? { path: `${path}.${keys[0]}`, message: `Unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}` }
      : { path, message: issue.message };
  });
}

/**
 * Job data that does not match its definition's schema. Lists every bad path, not just the first,
 * so a caller (or a language model behind a tool) can fix all of them in one go.
 */
export class JobDataValidationError extends ValidationError {
  constructor(
    readonly jobName: string,
    problems: Problem[],
  ) {
    super(
      problems[0]?.path ?? 'data',
      `Invalid data for job "${jobName}": ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      problems,
    );
    Object.defineProperty(this, 'code', { value: 'ERR_JOB_DATA_INVALID' });
  }
}
