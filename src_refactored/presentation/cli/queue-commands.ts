import type { Command } from 'commander';
import { JOB_STATES } from '../../core/domain/job/job-state.js';
import { CliError, EXIT } from './cli-error.js';
import { openCliEngine, withQueue, type CommonOptions } from './cli-context.js';
import { printJson, printTable, ProgressBar, time, type CliIo } from './cli-output.js';

type Opts = CommonOptions & Record<string, unknown>;
type Common = (cmd: Command) => Command;

/** Jobs removed per transaction by `clean`: the write lock is never held long (workers keep going). */
const CLEAN_BATCH = 1000;

function nonNegativeInt(value: unknown, option: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new CliError(`${option} must be a whole number ≥ 0, got "${value}".`, EXIT.usage);
  return n;
}

export function registerQueueCommands(program: Command, common: Common, io: CliIo): void {
  common(program.command('stats').description('jobs per state for every queue (or --queue), with totals')).action(async (opts: Opts) => {
    const engine = await openCliEngine(opts);
    try {
      const { Queue } = await import('../api/queue.js');
      const names = opts.queue !== undefined ? [opts.queue] : await engine.insights.listQueues();
      const rows = [];
      for (const name of names) {
        const queue = new Queue(name, { connection: engine });
        const counts = await queue.getJobCounts(...JOB_STATES);
        const snapshot = await engine.insights.snapshot(name);
        rows.push({ queue: name, paused: await queue.isPaused(), counts, completedTotal: snapshot.completedTotal, failedTotal: snapshot.failedTotal });
        await queue.close();
      }
      if (opts.json) return printJson(io, rows);
      if (rows.length === 0) return void io.stdout.write('no queues yet\n');
      printTable(
        io,
        ['QUEUE', ...JOB_STATES.map((s) => s.toUpperCase()), 'PAUSED', 'DONE TOTAL', 'FAILED TOTAL'],
        rows.map((r) => [r.queue, ...JOB_STATES.map((s) => r.counts[s] ?? 0), r.paused ? 'yes' : 'no', r.completedTotal, r.failedTotal]),
      );
    } finally {
      await engine.close();
    }
  });

  for (const [verb, doc] of [
    ['pause', 'pause a queue: workers in every process stop taking new jobs'],
    ['resume', 'resume a paused queue'],
  ] as const) {
    common(program.command(verb).description(doc)).action(async (opts: Opts) => {
      await withQueue(opts, async (queue) => {
        await (verb === 'pause' ? queue.pause() : queue.resume());
        if (opts.json) return printJson(io, { queue: queue.name, paused: verb === 'pause' });
        io.stdout.write(`queue ${queue.name} ${verb === 'pause' ? 'paused' : 'resumed'}\n`);
      });
    });
  }

  common(program.command('clean').description('remove finished (or other) jobs older than a grace period'))
    .option('--state <state>', 'completed, failed, delayed, waiting, prioritized or active', 'completed')
    .option('--grace <ms>', 'only jobs older than this many ms', '0')
    .option('--limit <n>', 'remove at most this many (default: all)')
    .action(async (opts: Opts) => {
      const grace = nonNegativeInt(opts.grace, '--grace');
      const limit = opts.limit === undefined ? Number.POSITIVE_INFINITY : nonNegativeInt(opts.limit, '--limit');
      await withQueue(opts, async (queue) => {
        const state = String(opts.state);
        const total = Math.min(limit, (await queue.getJobCounts(state))[state] ?? 0);
        const bar = new ProgressBar(io, `cleaning ${state}`, total, opts.progress === true);
        let removed = 0;
        for (let batch = Math.min(CLEAN_BATCH, limit); batch > 0; batch = Math.min(CLEAN_BATCH, limit - removed)) {
          const ids = await queue.clean(grace, batch, state);
          removed += ids.length;
          bar.advance(ids.length);
          if (ids.length < batch) break;
        }
        bar.finish();
        if (opts.json) return printJson(io, { queue: queue.name, state, removed });
        io.stdout.write(`${removed} ${state} jobs removed from ${queue.name}\n`);
      });
    });

  common(program.command('schedulers').description('job schedulers (repeatable jobs) of a queue, by next run')).action(async (opts: Opts) => {
    await withQueue(opts, async (queue) => {
      const schedulers = await queue.getJobSchedulers(0, -1, true);
      if (opts.json) return printJson(io, schedulers);
      if (schedulers.length === 0) return void io.stdout.write(`queue ${queue.name} has no job schedulers\n`);
      printTable(
        io,
        ['ID', 'JOB NAME', 'PATTERN / EVERY', 'NEXT RUN', 'ITERATIONS', 'LIMIT'],
        schedulers.map((s) => [
          s.id,
          s.name,
          s.pattern !== undefined ? `${s.pattern}${s.tz ? ` (${s.tz})` : ''}` : `every ${s.every} ms`,
          s.next === undefined ? 'ended' : time(s.next),
          s.iterationCount,
          s.limit ?? '-',
        ]),
      );
    });
  });
}
