import { resolve } from 'node:path';
import { parseTarget } from './migrate-command.js';
import { probeStore } from '../../infrastructure/persistence/drizzle/sqlite-store-probe.js';
import type { QueueEngine } from '../composition/queue-engine.js';
import type { Queue } from '../api/queue.js';
import { CliError, EXIT } from './cli-error.js';
import type { CliIo } from './cli-output.js';

export interface CommonOptions {
  db?: string;
  queue?: string;
  json?: boolean;
  progress?: boolean;
}

// The engine (inversify, zod, drizzle) is imported when a command needs it, so help, usage errors and a
// bad --db path answer without paying for it (the CLI starts ~2x faster for them).
const loadEngine = () => import('../composition/queue-engine.js');
const loadQueue = () => import('../api/queue.js');

const DB_HINT = 'Pass the path of an existing bullite database, e.g. --db ./data/jobs.db (or set BULLITE_DB).';

/** Opens the engine a command works on, refusing paths that are not a bullite store (see probeStore). */
export async function openCliEngine(opts: CommonOptions): Promise<QueueEngine> {
  const given = opts.db ?? process.env.BULLITE_DB;
  if (given === undefined || given === '') throw new CliError(`Missing --db <file>. ${DB_HINT}`, EXIT.usage);
  if (/^postgres(ql)?:\/\//.test(given)) return openPostgres(given);
  const path = resolve(given);
  switch (probeStore(path)) {
    case 'missing':
      throw new CliError(`No database at ${path}. Check the --db path: the CLI never creates a database. ${DB_HINT}`, EXIT.usage);
    case 'directory':
      throw new CliError(`${path} is a directory, not a database file. ${DB_HINT}`, EXIT.usage);
    case 'not-sqlite':
      throw new CliError(`${path} is not a SQLite database (or it is corrupt). ${DB_HINT}`, EXIT.usage);
    case 'foreign-sqlite':
      throw new CliError(`${path} is a SQLite database but not a bullite one (it has no jobs table). ${DB_HINT}`, EXIT.usage);
    case 'unreadable':
      throw new CliError(`${path} cannot be read (permissions?). Check that you may read and write it and its folder.`, EXIT.usage);
    case 'bullite':
      break;
  }
  const { createQueueEngine } = await loadEngine();
  try {
    return await createQueueEngine({ path });
  } catch (error) {
    throw new CliError(`${(error as Error).message}. ${DB_HINT}`, EXIT.usage);
  }
}

/** `--db postgres://…[?schema=name]`: the same commands on a PostgreSQL store (issue 9). */
async function openPostgres(url: string): Promise<QueueEngine> {
  let target: { connectionString: string; schema: string };
  try {
    target = parseTarget(url, undefined);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
  const { createQueueEngine } = await loadEngine();
  try {
    return await createQueueEngine({ postgres: target });
  } catch (error) {
    throw new CliError(`${(error as Error).message}. Check the --db URL (postgres://user:password@host:5432/database?schema=name).`, EXIT.usage);
  }
}

/** The queue a command acts on: --queue, or the only queue of the database. */
export async function resolveQueueName(engine: QueueEngine, opts: CommonOptions): Promise<string> {
  if (opts.queue !== undefined) return opts.queue;
  const names = await engine.insights.listQueues();
  if (names.length === 1) return names[0];
  if (names.length === 0) throw new CliError('The database has no queues yet. Name one with --queue <name>.', EXIT.usage);
  throw new CliError(`The database has several queues (${names.join(', ')}): choose one with --queue <name>.`, EXIT.usage);
}

/** Runs `work` with an engine (and the resolved queue) and closes both, whatever happens. */
export async function withQueue<T>(opts: CommonOptions, work: (queue: Queue, engine: QueueEngine) => Promise<T>): Promise<T> {
  const engine = await openCliEngine(opts);
  try {
    const { Queue } = await loadQueue();
    const queue = new Queue(await resolveQueueName(engine, opts), { connection: engine });
    try {
      return await work(queue, engine);
    } finally {
      await queue.close();
    }
  } finally {
    await engine.close();
  }
}

export type { CliIo };
