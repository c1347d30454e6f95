import { z } from 'zod';
import { encryptionOptionsSchema } from './encryption-options.schema.js';

export const engineOptionsSchema = z.strictObject({
  path: z.string({ error: 'path must be a file path or ":memory:"' }).min(1, { error: 'path must be a file path or ":memory:"' }),
  durability: z.enum(['normal', 'full']).optional(),
  clock: z.custom<{ now(): number }>((v) => typeof (v as { now?: unknown })?.now === 'function', { error: 'clock must be an object with now(): number' }).optional(),
  logger: z.custom<object>((v) => typeof v === 'object' && v !== null, { error: 'logger must be an object' }).optional(),
  idleCheckInterval: z.number().int().min(1).max(60_000).optional(),
  changePollInterval: z.number().int().min(1).max(60_000).optional(),
  busyTimeout: z.number().int().min(0).max(2_147_483_647).optional(),
  encryption: encryptionOptionsSchema.optional(),
  /** The durable event stream keeps about `maxLen` events per queue (BullMQ's streams.events.maxLen). */
  events: z.strictObject({ maxLen: z.number().int().min(1).optional() }).optional(),
});

export type QueueEngineOptions = z.input<typeof engineOptionsSchema>;
