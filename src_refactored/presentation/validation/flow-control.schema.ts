import * as z from 'zod';

const positiveInt = z.number().int().min(1);

/** Arguments of the Queue's flow-control methods (validated at the edge; nothing is stored on error). */
export const concurrencySchema = positiveInt;
export const rateLimitArgsSchema = z.strictObject({ max: positiveInt, duration: positiveInt });
export const rateLimitMsSchema = z.number().int().min(0);
export const groupIdSchema = z.string().min(1).max(512).optional();
export const jobIdArgSchema = z.union([z.string().min(1), z.number().int()]).transform(String);
export const cancelReasonSchema = z.string().min(1).max(10_000).optional();
export const deduplicationIdSchema = z.string().min(1);
