import * as z from 'zod';
import { MAX_PRIORITY } from '../../core/domain/job/priority.js';
import { repeatOptionsSchema } from './repeat-options.schema.js';

const nonNegativeInt = z.number().int().min(0);
const positiveInt = z.number().int().min(1);

const keepJobs = z.union([
  z.boolean(),
  nonNegativeInt,
  z.strictObject({ age: nonNegativeInt.optional(), count: nonNegativeInt.optional() }),
]);

const backoff = z.union([
  nonNegativeInt,
  z.strictObject({
    type: z.string().min(1),
    delay: nonNegativeInt.optional(),
    jitter: z.number().min(0).max(1).optional(),
  }),
]);

const priorityMessage = `Priority should be between 0 and ${MAX_PRIORITY}`;

/** JobsOptions as accepted from callers (DESIGN.md §3). Unknown keys are refused: a typo is not silently ignored. */
export const jobsOptionsSchema = z.strictObject({
  priority: z
    .number({ error: priorityMessage })
    .int({ error: priorityMessage })
    .min(0, { error: priorityMessage })
    .max(MAX_PRIORITY, { error: priorityMessage })
    .optional(),
  delay: z.number({ error: 'Delay must be a number of milliseconds' }).int().min(0, { error: 'Delay must be a non-negative number of milliseconds' }).optional(),
  attempts: positiveInt.optional(),
  backoff: backoff.optional(),
  lifo: z.boolean().optional(),
  jobId: z.string().optional(),
  removeOnComplete: keepJobs.optional(),
  removeOnFail: keepJobs.optional(),
  keepLogs: nonNegativeInt.optional(),
  stackTraceLimit: nonNegativeInt.optional(),
  sizeLimit: positiveInt.optional(),
  timeout: positiveInt.optional(),
  group: z.strictObject({ id: z.string().min(1).max(512) }).optional(),
  parent: z.strictObject({ id: z.string().min(1), queue: z.string().min(1) }).optional(),
  failParentOnFailure: z.boolean().optional(),
  continueParentOnFailure: z.boolean().optional(),
  ignoreDependencyOnFailure: z.boolean().optional(),
  removeDependencyOnFailure: z.boolean().optional(),
  deduplication: z
    .strictObject({
      id: z.string().min(1),
      ttl: positiveInt.optional(),
      extend: z.boolean().optional(),
      replace: z.boolean().optional(),
      keepLastIfActive: z.boolean().optional(),
    })
    .optional(),
  deadLetter: z.strictObject({ queue: z.string().min(1) }).optional(),
  dependsOn: z.array(z.string().min(1)).optional(),
  /** BullMQ v5's repeatable job option: an alias that upserts a job scheduler (Queue.add). */
  repeat: repeatOptionsSchema.optional(),
});

export type JobsOptionsInput = z.input<typeof jobsOptionsSchema>;

// Names show up in CLI tables, the dashboard and log lines: no control characters (newlines, ESC …).
export const jobNameSchema = z
  .string({ error: 'Job name must be a string' })
  .min(1, { error: 'Job name must not be empty' })
  .max(512, { error: 'Job name must be at most 512 characters' })
  .regex(/^[^\p{Cc}]*$/u, { error: 'Job name must not contain control characters' });
