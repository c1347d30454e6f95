import * as z from 'zod';

export const dashboardOptionsSchema = z.strictObject({
  token: z.string().min(16, { error: 'token must be at least 16 characters (it is the only protection of the page)' }).optional(),
  allowedHosts: z.array(z.string().min(1)).min(1).optional(),
  basePath: z
    .string()
    .regex(/^(\/[\w.~-]+)*\/?$/, { error: 'basePath must look like "/jobs" (a URL path)' })
    .optional(),
});

export const startDashboardOptionsSchema = dashboardOptionsSchema.omit({ basePath: true }).extend({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65_535).optional(),
});

export const promCollectorOptionsSchema = z.strictObject({
  queues: z.array(z.string().min(1)).optional(),
});
