import type * as z from 'zod';
import { ValidationError } from '../../shared/bullite-error.js';

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), prefix);
}

/**
 * Parses a public argument with its zod schema. On failure throws one ValidationError naming the first
 * bad field and listing every problem, so a tool layer can show them all at once.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const base = joinPath(prefix, issue.path);
    const keys = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys : [];
    const path = keys.length === 1 ? joinPath(base, [keys[0]]) : base;
    const message = issue.code === 'unrecognized_keys' ? `Unknown option${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}` : issue.message;
    return { path: path || prefix, message };
  });
  const [first] = issues;
  throw new ValidationError(first.path, `${first.path}: ${first.message}`, issues);
}
