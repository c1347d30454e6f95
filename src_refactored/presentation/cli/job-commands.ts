import type { Command } from 'commander';
import type { Job } from '../api/job.js';
import { CliError, EXIT } from './cli-error.js';
import { withQueue, type CommonOptions } from './cli-context.js';
import { printJson, printTable, ProgressBar, time, truncate, type CliIo } from './cli-output.js';

type Opts = CommonOptions & Record<string, unknown>;
type Common = (cmd: Command) => Command;

/** `--data user.id=42`: the value is JSON when it parses (42, true, "x"), a plain string otherwise. */
function parseDataFilters(pairs: string[] | undefined): Record<string, unknown> | undefined {
  if (pairs === undefined || pairs.length === 0) return undefined;
  const query: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--data expects path=value (e.g. --data user.id=42), got "${pair}".`, EXIT.usage);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a bare word is a string
    }
    query[pair.slice(0, at)] = value;
  }
  return query;
}

function parseJsonOption(text: string | undefined, option: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${option} must be JSON, e.g. ${option} '{"to":"a@example.com"}'.`, EXIT.usage);
  }
}

function info(job: Job): string {
  if (job.failedReason) return truncate(job.failedReason, 50);
  if (typeof job.progress === 'object' || job.progress > 0) return `progress ${JSON.stringify(job.progress)}`;
  return '';
}

async function mustGet(queue: { getJob(id: string): Promise<Job | undefined>; name: string }, id: string): Promise<Job> {
  const job = await queue.getJob(id);
  if (job === undefined) throw new CliError(`No job ${id} in queue ${queue.name}. List jobs with: bullite list --queue ${queue.name}`);
  return job;
}

export function registerJobCommands(program: Command, common: Common, io: CliIo): void {
  common(program.command('list').description('list jobs, newest first (paged; --cursor for the next page)'))
    .option('-s, --state <states>', 'comma-separated states (waiting,prioritized,delayed,active,waiting-children,completed,failed)')
    .option('-n, --name <name>', 'only jobs with this name')
    .option('-d, --data <path=value...>', 'filter on a field of the job data, e.g. --data user.id=42')
    .option('-l, --limit <n>', 'jobs per page', '20')
    .option('--cursor <cursor>', 'the cursor printed under the previous page')
    .option('--order <order>', 'desc (newest first) or asc', 'desc')
    .action(async (opts: Opts) => {
      await withQueue(opts, async (queue) => {
        const page = await queue.searchJobs({
          states: typeof opts.state === 'string' ? (opts.state.split(',').map((s) => s.trim()) as never) : undefined,
          name: opts.name as string | undefined,
          dataQuery: parseDataFilters(opts.data as string[] | undefined) as never,
          limit: Number(opts.limit),
          cursor: opts.cursor as string | undefined,
          order: opts.order as 'asc' | 'desc',
        });
        if (opts.json) return printJson(io, { queue: queue.name, ...page, jobs: page.jobs.map((j) => j.toJSON()) });
        const states = await Promise.all(page.jobs.map((j) => j.getState()));
        printTable(
          io,
          ['ID', 'NAME', 'STATE', 'ATTEMPTS', 'CREATED', 'FINISHED', 'INFO'],
          page.jobs.map((j, i) => [j.id, j.name, states[i], j.attemptsMade, time(j.timestamp), time(j.finishedOn), info(j)]),
        );
        const counts = Object.entries(page.counts ?? {}).map(([s, n]) => `${s} ${n}`).join(', ');
        io.stdout.write(`${page.jobs.length} shown${counts ? ` (matching: ${counts})` : ''}\n`);
        if (page.nextCursor) io.stdout.write(`next page: --cursor ${page.nextCursor}\n`);
      });
    });

  common(program.command('show <id>').description('show one job: data, options, progress, logs, result, stack trace')).action(
    async (id: string, opts: Opts) => {
      await withQueue(opts, async (queue) => {
        const job = await mustGet(queue, id);
        const state = await job.getState();
        const { logs } = await queue.getJobLogs(id);
        if (opts.json) return printJson(io, { ...job.toJSON(), state, logs });
        const lines: [string, string][] = [
          ['id', job.id],
          ['queue', queue.name],
          ['name', job.name],
          ['state', state],
          ['attempts', `${job.attemptsMade} made, ${job.attemptsStarted} started (of ${job.opts.attempts ?? 1})`],
          ['created', time(job.timestamp)],
          ['processed', time(job.processedOn)],
          ['finished', time(job.finishedOn)],
          ['progress', JSON.stringify(job.progress)],
          ['data', JSON.stringify(job.data)],
          ['options', JSON.stringify(job.opts)],
          ['return value', JSON.stringify(job.returnvalue)],
        ];
        if (job.failedReason) lines.push(['failed reason', job.failedReason]);
        for (const [k, v] of lines) io.stdout.write(`${k.padEnd(14)}${v}\n`);
        if (logs.length > 0) io.stdout.write(`logs:\n${logs.map((l) => `  ${l}`).join('\n')}\n`);
        if (job.stacktrace.length > 0) io.stdout.write(`stack trace (last attempt):\n${job.stacktrace.at(-1)}\n`);
      });
    },
  );

  common(program.command('add <name>').description('add a job'))
    .option('--data <json>', 'job data as JSON', '{}')
    .option('--opts <json>', 'job options as JSON, e.g. \'{"delay":5000,"attempts":3}\'')
    .action(async (name: string, opts: Opts) => {
      await withQueue(opts, async (queue) => {
        const data = parseJsonOption(opts.data as string, '--data');
        const job = await queue.add(name, data, parseJsonOption(opts.opts as string | undefined, '--opts') as never);
        if (opts.json) return printJson(io, job.toJSON());
        io.stdout.write(`added job ${job.id} (${name}) to ${queue.name}\n`);
      });
    });

  common(program.command('retry [id]').description('retry a failed (or completed) job, or all of them with --all'))
    .option('--all', 'retry every job in the state')
    .option('--state <state>', 'failed or completed', 'failed')
    .action(async (id: string | undefined, opts: Opts) => {
      const state = opts.state === 'completed' ? 'completed' : 'failed';
      await withQueue(opts, async (queue, engine) => {
        if (id !== undefined) {
          await (await mustGet(queue, id)).retry(state);
          return opts.json ? printJson(io, { retried: [id] }) : void io.stdout.write(`job ${id} moved back to waiting\n`);
        }
        if (!opts.all) throw new CliError('Give a job id, or --all to retry every failed job (--state completed for completed ones).', EXIT.usage);
        const total = (await queue.getJobCounts(state))[state] ?? 0;
        const bar = new ProgressBar(io, `retrying ${state}`, total, opts.progress === true);
        let retried = 0;
        for (let moved; (moved = await engine.insights.retryBatch(queue.name, state, 500)) > 0; ) {
          retried += moved;
          bar.advance(moved);
        }
        bar.finish();
        if (opts.json) return printJson(io, { retried: retried });
        io.stdout.write(`${retried} ${state} jobs moved back to waiting\n`);
      });
    });

  common(program.command('remove <id>').description('remove a job (not while it is active)')).action(async (id: string, opts: Opts) => {
    await withQueue(opts, async (queue) => {
      await (await mustGet(queue, id)).remove();
      if (opts.json) return printJson(io, { removed: id });
      io.stdout.write(`job ${id} removed\n`);
    });
  });

  common(program.command('promote [id]').description('run a delayed job now, or every delayed job with --all'))
    .option('--all', 'promote every delayed job')
    .action(async (id: string | undefined, opts: Opts) => {
      await withQueue(opts, async (queue, engine) => {
        if (id !== undefined) {
          await (await mustGet(queue, id)).promote();
          return opts.json ? printJson(io, { promoted: [id] }) : void io.stdout.write(`job ${id} promoted to waiting\n`);
        }
        if (!opts.all) throw new CliError('Give a job id, or --all to promote every delayed job.', EXIT.usage);
        const bar = new ProgressBar(io, 'promoting', (await queue.getJobCounts('delayed')).delayed ?? 0, opts.progress === true);
        let promoted = 0;
        for (let moved; (moved = await engine.insights.promoteBatch(queue.name, 500)) > 0; ) {
          promoted += moved;
          bar.advance(moved);
        }
        bar.finish();
        if (opts.json) return printJson(io, { promoted });
        io.stdout.write(`${promoted} delayed jobs promoted to waiting\n`);
      });
    });
}
