import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { WorkloadResult } from './bench-support.js';
import { buildBench } from './bench-build.js';
import { WORKLOADS } from './bench-workloads.js';
import { machine, summarise, table, type WorkloadSummary } from './bench-report.js';
import { backendEnv, parseBackends, PG_WORKLOADS, sideBySide, type Backend } from './pg-bench-backend.js';

/**
 * `npm run bench [-- --quick] [--only W3[,W4]] [--runs 3] [--out file.json] [--backend sqlite|postgres|both] [--pg-url …]`
 * Each workload runs in its own fresh child process on its own database file; the raw-SQLite
 * baselines run in the same round, and every bullite figure is divided by its baseline of that round.
 */

function parseArgs(argv: string[]) {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const only = value('--only')?.split(',').map((s) => s.trim());
  for (const name of only ?? []) if (!(name in WORKLOADS)) throw new Error(`unknown workload ${name}; known: ${Object.keys(WORKLOADS).join(', ')}`);
  return {
    quick: argv.includes('--quick'),
    only,
    runs: Number(value('--runs') ?? 1),
    out: value('--out') ?? 'bench-results.json',
  };
}

/** The selected workloads plus what their ratios need (baselines, schema floors, and W3 for W6). */
function selection(only: string[] | undefined): string[] {
  if (only === undefined) return Object.keys(WORKLOADS);
  const wanted = new Set(only);
  for (const name of only) {
    const spec = WORKLOADS[name];
    if (spec.baseline) wanted.add(spec.baseline);
    if (spec.floor) wanted.add(spec.floor);
    if (spec.target?.against) wanted.add(spec.target.against);
  }
  return Object.keys(WORKLOADS).filter((n) => wanted.has(n));
}

function runChild(childFile: string, name: string, quick: boolean, env?: NodeJS.ProcessEnv): Promise<WorkloadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(childFile, [name, quick ? 'quick' : 'full'], { execArgv: [], stdio: 'inherit', env });
    let result: WorkloadResult | undefined;
    child.on('message', (m) => (result = m as WorkloadResult));
    child.on('error', reject);
    child.on('exit', (code) => (result !== undefined ? resolve(result) : reject(new Error(`${name} exited with ${code} and no result`))));
  });
}

const args = parseArgs(process.argv.slice(2));
const { backends, pgUrl } = parseBackends(process.argv.slice(2));
const childFile = await buildBench();
const names = selection(args.only);
// PostgreSQL runs W1–W7 against the issue's raw baselines R1–R3, which are SQLite's (measured once per run
// when both backends run); the floors on bullite's SQLite schema (RS*, RB4) say nothing about PostgreSQL.
const ISSUE_BASELINES = ['R1', 'R2', 'R3'];
const namesFor = (backend: Backend) => (backend === 'sqlite' ? names : names.filter((n) => ISSUE_BASELINES.includes(n) || PG_WORKLOADS.includes(n)));
const before = machine();
const byRun: Record<Backend, Record<string, WorkloadResult>[]> = { sqlite: [], postgres: [] };
for (let run = 1; run <= args.runs; run++) {
  for (const backend of backends) {
    const results: Record<string, WorkloadResult> = {};
    for (const name of namesFor(backend)) {
      const onSqlite = backend === 'sqlite' || name.startsWith('R');
      const measured = backend === 'postgres' && onSqlite ? byRun.sqlite[run - 1]?.[name] : undefined;
      results[name] = measured ?? (await runChild(childFile, name, args.quick, backendEnv(onSqlite ? 'sqlite' : backend, pgUrl)));
      const r = results[name];
      const label = backend === 'sqlite' ? '' : `${backend} `;
      process.stderr.write(`run ${run}/${args.runs} ${label}${name}: ${r.value} ${r.unit} ${JSON.stringify(r.extra ?? {})} rss ${r.rssMB} MB\n`);
    }
    byRun[backend].push(results);
  }
}
const summaries: Record<Backend, Record<string, WorkloadSummary>> = { sqlite: {}, postgres: {} };
for (const backend of backends) for (const name of namesFor(backend)) summaries[backend][name] = summarise(name, WORKLOADS[name], byRun[backend]);
const after = machine();
console.log(`\n${before.cpu}, ${before.cores} cores, node ${before.node}; load average before ${before.loadavg.join(' ')}, after ${after.loadavg.join(' ')}; medians of ${args.runs} run(s)${args.quick ? ' (--quick sizes)' : ''}\n`);
for (const backend of backends) {
  if (backends.length > 1 || backend !== 'sqlite') console.log(`\n${backend === 'sqlite' ? 'SQLite (one WAL file)' : 'PostgreSQL (ratios to the raw SQLite baseline)'}\n`);
  console.log(table(summaries[backend]));
}
if (backends.length > 1) console.log(`\nSide by side\n\n${sideBySide(summaries.sqlite, summaries.postgres)}`);
const postgres = backends.includes('postgres') ? { postgres: summaries.postgres } : {};
writeFileSync(args.out, JSON.stringify({ machine: before, loadAfter: after.loadavg, quick: args.quick, runs: args.runs, summaries: summaries.sqlite, ...postgres }, null, 2));
console.log(`\nwrote ${args.out}`);
