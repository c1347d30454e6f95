import type { PgExecutor } from './pg-connection.js';

/**
 * A statement written with SQLite-style named parameters (`@queue`), so the PostgreSQL adapter can share
 * SQL fragments with the SQLite one (../drizzle/sql-fragments.ts). The names become `$1, $2, …` once, at
 * construction; a name used twice is bound once.
 */
export class PgStatement<R = Record<string, unknown>> {
  readonly text: string;
  private readonly names: string[];

  constructor(sqlText: string) {
    const names: string[] = [];
    // `::type` casts and `@>`-style operators never precede an identifier character after a single `@`.
    this.text = sqlText.replace(/(?<![@:\w])@([A-Za-z_]\w*)/g, (_, name: string) => {
      let index = names.indexOf(name);
      if (index < 0) index = names.push(name) - 1;
      return `$${index + 1}`;
    });
    this.names = names;
  }

  private values(params: Record<string, unknown>): unknown[] {
    return this.names.map((name) => {
      const value = params[name];
      if (value === undefined) throw new Error(`PgStatement: parameter @${name} is missing`);
      return typeof value === 'boolean' ? (value ? 1 : 0) : value;
    });
  }

  all(ex: PgExecutor, params: Record<string, unknown> = {}): Promise<R[]> {
    return ex.query<R>(this.text, this.values(params));
  }

  async get(ex: PgExecutor, params: Record<string, unknown> = {}): Promise<R | undefined> {
    return (await this.all(ex, params))[0];
  }

  async run(ex: PgExecutor, params: Record<string, unknown> = {}): Promise<void> {
    await this.all(ex, params);
  }
}

/** Shorthand: `const s = pgSql<Row>('SELECT … WHERE queue = @queue')`. */
export function pgSql<R = Record<string, unknown>>(sqlText: string): PgStatement<R> {
  return new PgStatement<R>(sqlText);
}
