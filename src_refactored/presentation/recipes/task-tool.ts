import * as z from 'zod';
import type { QueueEngine } from '../composition/queue-engine.js';
import type { JobDefinition } from '../typed/define-job.js';
import { problemsFrom, type Problem } from '../typed/job-data-validation.error.js';
import { ValidationError, BulliteError } from '../../shared/bullite-error.js';

/**
 * Recipe for a tool layer that creates jobs from untrusted input (a form, an HTTP body, a language
 * model's tool call). `submit` never throws: it returns the created job or a list of human-readable
 * problems with the path of each, and never stores a bad job.
 */

export type SubmitResult =
  | { ok: true; job: { id: string; queue: string; name: string; state: string } }
  | { ok: false; problems: Problem[] };

/** Options a caller may set. Deliberately a small, safe subset: no retention or size overrides. */
const callerOptionsSchema = z.strictObject({
  priority: z.number().int().min(0).max(2_097_151).optional(),
  delay: z.number().int().min(0).max(365 * 24 * 3600 * 1000).optional(),
  attempts: z.number().int().min(1).max(100).optional(),
  jobId: z.string().min(1).max(512).optional(),
});

const envelopeSchema = z.strictObject({
  name: z.string({ error: 'name must be the name of a registered job' }),
  data: z.unknown(),
  options: callerOptionsSchema.optional(),
});

export interface TaskTool {
  submit(input: unknown): Promise<SubmitResult>;
  /** What can be submitted: names, queues and each data schema as JSON Schema (for a model's tool list). */
  describe(): { name: string; queue: string; dataSchema: unknown }[];
}

export function createTaskTool(engine: QueueEngine, definitions: JobDefinition<z.ZodType, z.ZodType | undefined>[]): TaskTool {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  return {
    async submit(input) {
      const envelope = envelopeSchema.safeParse(input);
      if (!envelope.success) return { ok: false, problems: problemsFrom(envelope.error, 'input').map(trimInputPrefix) };
      const { name, data, options } = envelope.data;
      const definition = byName.get(name);
      if (definition === undefined) {
        return { ok: false, problems: [{ path: 'name', message: `Unknown job "${name}". Known jobs: ${[...byName.keys()].join(', ')}` }] };
      }
      const parsed = definition.spec.schema.safeParse(data);
      if (!parsed.success) return { ok: false, problems: problemsFrom(parsed.error, 'data') };
      try {
        const job = await definition.add(engine, parsed.data, options);
        return { ok: true, job: { id: job.id, queue: definition.queue, name, state: await job.getState() } };
      } catch (error) {
        return { ok: false, problems: [describeFailure(error)] };
      }
    },
    describe() {
      return definitions.map((d) => ({ name: d.name, queue: d.queue, dataSchema: z.toJSONSchema(d.spec.schema, { unrepresentable: 'any' }) }));
    },
  };
}

function trimInputPrefix(problem: Problem): Problem {
  return { ...problem, path: problem.path.replace(/^input\.?/, '') || 'input' };
}

/** Engine-side refusals (validation, storage) become a problem; internals are not leaked. */
function describeFailure(error: unknown): Problem {
  if (error instanceof ValidationError) return { path: error.field.replace(/^opts\b/, 'options'), message: error.message };
  if (error instanceof BulliteError) return { path: '', message: `The job could not be stored (${error.code}). Try again later.` };
  return { path: '', message: 'The job could not be stored because of an internal error. Try again later.' };
}
