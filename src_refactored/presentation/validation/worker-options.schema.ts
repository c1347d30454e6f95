import * as z from 'zod';
import { jobsOptionsSchema } from './job-options.schema.js';

const positiveInt = z.number().int().min(1);

const keepJobs = jobsOptionsSchema.shape.removeOnComplete;

export const workerOptionsSchema = z.strictObject({
  connection: z.unknown(),
  concurrency: positiveInt.max(10_000).optional(),
  autorun: z.boolean().optional(),
  name: z.string().min(1).max(200).optional(),
  lockDuration: positiveInt.optional(),
  lockRenewTime: positiveInt.optional(),
  stalledInterval: positiveInt.optional(),
  maxStalledCount: z.number().int().min(0).optional(),
  removeOnComplete: keepJobs,
  removeOnFail: keepJobs,
  settings: z.strictObject({ backoffStrategy: z.function().optional() }).optional(),
  limiter: z.strictObject({ max: positiveInt, duration: positiveInt }).optional(),
  group: z.strictObject({ concurrency: positiveInt }).optional(),
  metrics: z.strictObject({ maxDataPoints: positiveInt.optional() }).optional(),
  /** How long `getNextJob(token, { block: true })` waits (BullMQ's drainDelay, in seconds). */
  drainDelay: z.number().min(0).optional(),
  /** Sandboxed processors (file path): threads instead of child processes. */
  useWorkerThreads: z.boolean().optional(),
  /** Passed to child_process.fork / new worker_threads.Worker for sandboxed processors (BullMQ's names). */
  workerForkOptions: z.looseObject({ execArgv: z.array(z.string()).optional() }).optional(),
  workerThreadsOptions: z.looseObject({ execArgv: z.array(z.string()).optional() }).optional(),
  /** ms a sandboxed processor gets to honour its aborted signal before it is killed (default 5000). */
  killGracePeriod: z.number().int().min(0).max(600_000).optional(),
});

export type WorkerOptionsInput = z.input<typeof workerOptionsSchema>;

export const queueOptionsSchema = z.strictObject({
  connection: z.unknown(),
  defaultJobOptions: jobsOptionsSchema.optional(),
  /** Accepted for BullMQ compatibility; bullite has no key prefix (one file is one namespace). */
  prefix: z.string().optional(),
});

export type QueueOptionsInput = z.input<typeof queueOptionsSchema>;
