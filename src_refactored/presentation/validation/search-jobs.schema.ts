import * as z from 'zod';
import type { DataCondition, JsonScalar } from '../../core/application/ports/job-search.port.js';
import { JOB_STATES, type JobState } from '../../core/domain/job/job-state.js';
import type { SearchJobsInput } from '../../core/application/services/queue-insights.service.js';
import { parseInput } from './parse-input.js';
import { ValidationError } from '../../shared/bullite-error.js';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const operators = z
  .strictObject({
    $eq: scalar.optional(),
    $ne: scalar.optional(),
    $gt: z.union([z.number(), z.string()]).optional(),
    $gte: z.union([z.number(), z.string()]).optional(),
    $lt: z.union([z.number(), z.string()]).optional(),
    $lte: z.union([z.number(), z.string()]).optional(),
    $in: z.array(scalar).max(1000).optional(),
    $contains: z.string().optional(),
    $exists: z.boolean().optional(),
  })
  .refine((o) => Object.keys(o).length > 0, { error: 'give at least one operator ($eq, $ne, $gt, $gte, $lt, $lte, $in, $contains, $exists)' });

/** `user.id`, `items[0].sku`, `$.tags[2]`: plain keys and array indexes only (the path is bound, never spliced). */
const PATH = /^(\$\.)?[A-Za-z_$][\w$-]*(\[\d+\])*(\.[A-Za-z_$][\w$-]*(\[\d+\])*)*$/;

export const searchJobsSchema = z.strictObject({
  states: z.array(z.enum([...JOB_STATES, 'wait', 'paused'])).optional(),
  name: z.string().min(1).max(512).optional(),
  dataQuery: z.record(z.string(), z.union([scalar, operators])).optional(),
  from: z.number().int().optional(),
  to: z.number().int().optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  /** Also count matching jobs per state (default true). */
  counts: z.boolean().optional(),
});

export type SearchJobsOptions = z.input<typeof searchJobsSchema>;

const OPS: Record<string, DataCondition['op']> = {
  $eq: 'eq',
  $ne: 'ne',
  $gt: 'gt',
  $gte: 'gte',
  $lt: 'lt',
  $lte: 'lte',
  $in: 'in',
  $contains: 'contains',
  $exists: 'exists',
};

function toConditions(query: Record<string, JsonScalar | Record<string, unknown>>): DataCondition[] {
  const conditions: DataCondition[] = [];
  for (const [key, spec] of Object.entries(query)) {
    if (!PATH.test(key)) {
      const field = `opts.dataQuery.${key}`;
      throw new ValidationError(field, `${field}: data paths look like "user.id" or "items[0].sku"`);
    }
    const path = key.startsWith('$.') ? key : `$.${key}`;
    if (spec === null || typeof spec !== 'object') {
      conditions.push({ path, op: 'eq', value: spec });
      continue;
    }
    for (const [op, value] of Object.entries(spec)) {
      if (value !== undefined) conditions.push({ path, op: OPS[op], value } as DataCondition);
    }
  }
  return conditions;
}

export function parseSearchJobs(opts: unknown): SearchJobsInput {
  const parsed = parseInput(searchJobsSchema, opts ?? {}, 'opts');
  const states = [...new Set((parsed.states ?? []).map((s) => (s === 'wait' || s === 'paused' ? 'waiting' : s)))] as JobState[];
  return {
    states,
    name: parsed.name,
    data: toConditions(parsed.dataQuery ?? {}),
    from: parsed.from,
    to: parsed.to,
    cursor: parsed.cursor,
    limit: parsed.limit ?? 50,
    order: parsed.order ?? 'desc',
    counts: parsed.counts ?? true,
  };
}
