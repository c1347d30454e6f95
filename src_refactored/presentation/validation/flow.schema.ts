import * as z from 'zod';
import { jobNameSchema, jobsOptionsSchema } from './job-options.schema.js';

/** One job of a FlowProducer tree (BullMQ's FlowJob); children may be in any queue. */
export const flowJobSchema = z.strictObject({
  name: jobNameSchema,
  queueName: z.string({ error: 'queueName must be a queue name' }),
  data: z.unknown().optional(),
  /** Accepted for BullMQ compatibility; bullite has no key prefix. */
  prefix: z.string().optional(),
  opts: jobsOptionsSchema.optional(),
  get children(): z.ZodOptional<z.ZodArray<typeof flowJobSchema>> {
    return z.array(flowJobSchema).optional();
  },
});

export type FlowJobShape = z.output<typeof flowJobSchema>;

export const flowOptsSchema = z
  .strictObject({
    queuesOptions: z.record(z.string(), z.strictObject({ defaultJobOptions: jobsOptionsSchema.optional() })).optional(),
  })
  .optional();

export const getFlowSchema = z.strictObject({
  id: z.string().min(1),
  queueName: z.string().min(1),
  prefix: z.string().optional(),
  depth: z.number().int().min(0).optional(),
  maxChildren: z.number().int().min(1).optional(),
});

export const changePrioritySchema = z.strictObject({
  priority: jobsOptionsSchema.shape.priority,
  lifo: z.boolean().optional(),
});
