import type { Command } from 'commander';
import { resolve } from 'node:path';
import { probeStore } from '../../infrastructure/persistence/drizzle/sqlite-store-probe.js';
import type { CopyProgress } from '../../infrastructure/persistence/migration/sqlite-to-postgres-copier.js';
import { postgresOptionsSchema } from '../composition/postgres-options.schema.js';
import { parseInput } from '../validation/parse-input.js';
import { CliError, EXIT } from './cli-error.js';
import { printJson, printTable, type CliIo } from './cli-output.js';

interface MigrateOptions {
  from: string;
  to: string;
  schema?: string;
  force?: boolean;
  append?: boolean;
  batch: string;
  progress?: boolean;
  json?: boolean;
}

/** Without a terminal, one plain progress line this often (logs of a CI job or a deploy script). */
const LINE_EVERY_MS = 2_000;
/** On a terminal, redraw the bar at most this often. */
const DRAW_EVERY_MS = 100;

/** `--to postgres://…?schema=name` → the connection string without `schema` (node-postgres does not know it) and the schema. */
export function parseTarget(to: string, schemaOption: string | undefined): { connectionString: string; schema: string } {
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw new CliError(`--to must be a PostgreSQL URL such as postgres://user:password@host:5432/database, got "${to}".`, EXIT.usage);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new CliError(`--to must start with postgres:// or postgresql://, got "${url.protocol}//…".`, EXIT.usage);
  }
  const fromUrl = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  const schema = schemaOption ?? fromUrl ?? 'public';
  const connectionString = url.toString();
  // The engine's own rules (a plain identifier), so that the store this makes is one the engine can open.
  parseInput(postgresOptionsSchema, { connectionString, schema }, '');
  return { connectionString, schema };
}

function sourcePath(from: string): string {
  const path = resolve(from);
  const problem: Record<string, string> = {
    missing: `No database at ${path}. Check the --from path.`,
    directory: `${path} is a directory, not a database file.`,
    'not-sqlite': `${path} is not a SQLite database (or it is corrupt).`,
    'foreign-sqlite': `${path} is a SQLite database but not a bullite one (it has no jobs table).`,
    unreadable: `${path} cannot be read (permissions?).`,
  };
  const probe = probeStore(path);
  if (probe !== 'bullite') throw new CliError(problem[probe], EXIT.usage);
  return path;
}

/** A bar redrawn in place on a terminal; otherwise a plain line every LINE_EVERY_MS. Both on stderr. */
function progressReporter(io: CliIo, forceBar: boolean): { update: (p: CopyProgress) => void; finish: () => void } {
  const bar = forceBar || io.stderr.isTTY === true;
  let started: number | undefined; // the first batch, so the rate leaves out connecting and locking
  let shown = -Infinity;
  let drawn = false;
  const describe = (p: CopyProgress) => {
    const pct = p.total === 0 ? 100 : Math.floor((p.copied / p.total) * 100);
    started ??= performance.now();
    const perSecond = Math.round(p.copied / Math.max(0.001, (performance.now() - started) / 1000));
    return { pct, text: `${p.copied}/${p.total} rows (${p.table}), ${perSecond} rows/s` };
  };
  return {
    update(p) {
      const now = performance.now();
      const last = p.copied === p.total;
      if (!last && now - shown < (bar ? DRAW_EVERY_MS : LINE_EVERY_MS)) return;
      shown = now;
      const { pct, text } = describe(p);
      if (!bar) return void io.stderr.write(`migrate: ${pct}% ${text}\n`);
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      io.stderr.write(`\rmigrating [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}% ${text}\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) io.stderr.write('\n');
      drawn = false;
    },
  };
}

export function registerMigrateCommand(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('copy a SQLite store (every job, log, scheduler, event) into PostgreSQL, to scale out')
    .requiredOption('--from <file>', 'the bullite SQLite file (opened read-only, never changed)')
    .requiredOption('--to <url>', 'postgres://user:password@host:5432/database, optionally ?schema=name')
    .option('--schema <name>', 'the PostgreSQL schema for the tables (default: ?schema= of --to, else public)')
    .option('--force', 'replace what a non-empty target holds')
    .option('--append', "add the file's queues beside the target's own (refused if a queue name is in both)")
    .option('--batch <rows>', 'rows per INSERT statement', '2000')
    .option('--progress', 'draw the progress bar even when stderr is not a terminal')
    .option('--json', 'print the result as JSON')
    .action(async (opts: MigrateOptions) => {
      if (opts.force && opts.append) throw new CliError('--force and --append exclude each other: choose one.', EXIT.usage);
      const batch = Number(opts.batch);
      if (!Number.isSafeInteger(batch) || batch < 1 || batch > 50_000) throw new CliError(`--batch must be a whole number from 1 to 50000, got "${opts.batch}".`, EXIT.usage);
      const from = sourcePath(opts.from);
      const target = parseTarget(opts.to, opts.schema);
      const { PgStore } = await import('../../infrastructure/persistence/postgres/pg-store.js');
      const { SqliteToPostgresCopier } = await import('../../infrastructure/persistence/migration/sqlite-to-postgres-copier.js');
      const store = new PgStore(target);
      const progress = progressReporter(io, opts.progress === true);
      const started = performance.now();
      try {
        const mode = opts.force ? 'force' : opts.append ? 'append' : 'refuse';
        const report = await new SqliteToPostgresCopier(store, { mode, batchRows: batch, onProgress: progress.update }).copy(from);
        progress.finish();
        const ms = Math.round(performance.now() - started);
        if (opts.json) return printJson(io, { from, to: store.label, schema: store.schema, mode, ...report, ms });
        printTable(io, ['TABLE', 'ROWS'], Object.entries(report.rows).map(([table, n]) => [table, n]));
        io.stdout.write(`copied ${report.total} rows of ${report.queues.length} queue(s) from ${from} to ${store.label} in ${(ms / 1000).toFixed(1)} s\n`);
        if (report.nulReplaced > 0) io.stdout.write(`note: ${report.nulReplaced} text values held NUL characters, stored with U+FFFD (PostgreSQL text cannot hold NUL)\n`);
      } finally {
        progress.finish();
        await store.close();
      }
    });
}
