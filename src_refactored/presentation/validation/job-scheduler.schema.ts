import * as z from 'zod';
import { jobNameSchema, jobsOptionsSchema } from './job-options.schema.js';

/** A scheduler's job template; the options a scheduler sets itself (id, delay, repeat) are refused. */
export const jobTemplateSchema = z.strictObject({
  name: jobNameSchema.optional(),
  data: z.unknown().optional(),
  opts: jobsOptionsSchema.omit({ jobId: true, delay: true, repeat: true, deduplication: true }).optional(),
});

export const schedulerIdSchema = z.string({ error: 'Job scheduler id must be a string' }).min(1).max(512);

export type JobTemplateInput = z.input<typeof jobTemplateSchema>;
