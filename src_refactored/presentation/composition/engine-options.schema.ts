import * as z from 'zod';
import { encryptionOptionsSchema } from './encryption-options.schema.js';
import { postgresOptionsSchema } from './postgres-options.schema.js';

const PATH_ERROR = 'path must be a file path or ":memory:"';

export const engineOptionsSchema = z
  .strictObject({
    /** A SQLite file (or ':memory:'). Exactly one of `path` and `postgres`. */
    path: z.string({ error: PATH_ERROR }).min(1, { error: PATH_ERROR }).optional(),
    /** A PostgreSQL store instead of a file (several machines on one database). */
    postgres: postgresOptionsSchema.optional(),
    durability: z.enum(['normal', 'full']).optional(),
    clock: z.custom<{ now(): number }>((v) => typeof (v as { now?: unknown })?.now === 'function', { error: 'clock must be an object with now(): number' }).optional(),
    logger: z.custom<object>((v) => typeof v === 'object' && v !== null, { error: 'logger must be an object' }).optional(),
    idleCheckInterval: z.number().int().min(1).max(60_000).optional(),
    changePollInterval: z.number().int().min(1).max(60_000).optional(),
    busyTimeout: z.number().int().min(0).max(2_147_483_647).optional(),
    encryption: encryptionOptionsSchema.optional(),
    /** The durable event stream keeps about `maxLen` events per queue (BullMQ's streams.events.maxLen). */
    events: z.strictObject({ maxLen: z.number().int().min(1).optional() }).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.path === undefined && v.postgres === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `${PATH_ERROR}, or give postgres: { connectionString } instead` });
    }
    if (v.path !== undefined && v.postgres !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['postgres'], message: 'give either path (SQLite) or postgres, not both' });
    }
    if (v.postgres !== undefined) {
      // SQLite file settings: silently ignoring them would let a user believe they apply.
      for (const key of ['durability', 'busyTimeout'] as const) {
        if (v[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to SQLite files only, not to postgres` });
      }
    }
  });

export type QueueEngineOptions = z.input<typeof engineOptionsSchema>;
export type ParsedEngineOptions = z.output<typeof engineOptionsSchema>;
