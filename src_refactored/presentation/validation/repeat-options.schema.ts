import * as z from 'zod';

/** A date as BullMQ accepts it (Date, ISO string or epoch ms), parsed to epoch ms. */
const dateInput = z
  .union([z.number().int().min(0), z.string().min(1), z.date()])
  .transform((v, ctx) => {
    const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : v;
    if (Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: 'must be a valid date (Date, ISO string or epoch ms)' });
    return ms;
  });

/**
 * BullMQ's RepeatOptions for job schedulers (and the v5 `repeat` job option). `cron` is the v3 name of
 * `pattern`; `key` only names the scheduler created through `repeat`. Cross-field rules (pattern xor
 * every, endDate in the future…) are checked by the domain with BullMQ's messages.
 */
export const repeatOptionsSchema = z
  .strictObject({
    pattern: z.string().min(1).optional(),
    cron: z.string().min(1).optional(),
    every: z.number().int().min(1).optional(),
    offset: z.number().int().min(0).optional(),
    tz: z.string().min(1).optional(),
    utc: z.boolean().optional(),
    limit: z.number().int().min(1).optional(),
    startDate: dateInput.optional(),
    endDate: dateInput.optional(),
    immediately: z.boolean().optional(),
    key: z.string().min(1).max(512).optional(),
  })
  .transform(({ cron, utc, key, ...rest }) => ({
    ...rest,
    ...(rest.pattern === undefined && cron !== undefined ? { pattern: cron } : {}),
    ...(utc && rest.tz === undefined ? { tz: 'UTC' } : {}),
    ...(key === undefined ? {} : { key }),
  }));

export type RepeatOptionsInput = z.input<typeof repeatOptionsSchema>;
