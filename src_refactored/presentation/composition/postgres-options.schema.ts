import * as z from 'zod';
import type pg from 'pg';
import type { PgliteLike } from '../../infrastructure/persistence/postgres/pglite-connection.js';

const isObjectWith = (v: unknown, ...methods: string[]) =>
  typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function');

/**
 * `postgres: { connectionString, schema?, max? } | { pool } | { pglite, schema? }`: where the store lives
 * when it is not a SQLite file. Exactly one of the three sources; `schema` is not allowed with `pool`
 * because the pool's own connections (their search_path) decide where the tables are.
 */
export const postgresOptionsSchema = z
  .strictObject({
    connectionString: z.string().min(1, { error: 'connectionString must be a postgres:// URL' }).optional(),
    pool: z.custom<pg.Pool>((v) => isObjectWith(v, 'connect', 'query', 'end'), { error: 'pool must be a pg.Pool' }).optional(),
    pglite: z.custom<PgliteLike>((v) => isObjectWith(v, 'query', 'transaction', 'listen'), { error: 'pglite must be a PGlite instance' }).optional(),
    // 63 = PostgreSQL's NAMEDATALEN - 1; plain identifiers only, so no name ever needs thinking about quoting.
    schema: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, { error: 'schema must be a plain identifier (letters, digits, _; at most 63)' })
      .optional(),
    max: z.number().int().min(1).max(1_000).optional(),
  })
  .superRefine((v, ctx) => {
    const sources = (['connectionString', 'pool', 'pglite'] as const).filter((k) => v[k] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: sources.length === 0 ? ['connectionString'] : [sources[1]],
        message: 'give exactly one of connectionString, pool or pglite',
      });
    }
    if (v.pool !== undefined && v.schema !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['schema'], message: "schema cannot be combined with pool: the pool's search_path decides" });
    }
    if (v.max !== undefined && v.connectionString === undefined) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'max sizes the pool made from connectionString; size your own pool yourself' });
    }
  });

export type PostgresOptions = z.input<typeof postgresOptionsSchema>;
