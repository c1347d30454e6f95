import * as z from 'zod';
import { parseInput } from './parse-input.js';

const index = z.number({ error: 'must be an integer index (negative counts from the end)' }).int({ error: 'must be an integer index' });
const rangeSchema = z.object({ start: index, end: index, asc: z.boolean({ error: 'must be a boolean' }) });

/** The (start, end, asc) arguments of getJobs / getJobLogs: integers and a boolean, named in errors. */
export function parseRange(start: unknown, end: unknown, asc: unknown): { start: number; end: number; asc: boolean } {
  return parseInput(rangeSchema, { start, end, asc }, '');
}
