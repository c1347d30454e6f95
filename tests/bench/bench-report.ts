import { cpus, loadavg } from 'node:os';
import { median, type WorkloadResult } from './bench-support.js';
import type { WorkloadSpec } from './bench-workloads.js';

export interface WorkloadSummary {
  title: string;
  unit: WorkloadResult['unit'];
  runs: WorkloadResult[];
  median: number;
  /** Median over runs of (this run's value / the same run's baseline value). */
  ratio?: number;
  ratioTo?: string;
  /** Median over runs of (this run's value / the same run's value of the spec's `floor`). */
  floorRatio?: number;
  floorTo?: string;
  /** Median over runs of (baseline CPU µs per job / this CPU µs per job): the CPU-time version of `ratio`. */
  cpuRatio?: number;
  /** Median over runs of (this run's second-half rate / the same run's baseline second-half rate): warm to warm. */
  secondHalfRatio?: number;
  extra: Record<string, number | string>;
  rssMB: number;
  target?: string;
  met?: boolean;
  rssLimitMB?: number;
}

export function machine() {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) };
}

/** Peak-RSS ceilings of issue 6: 100 MB for W1–W5, 150 MB with a million stored jobs. */
const RSS_LIMIT: Record<string, number> = { W1: 100, W2: 100, W3: 100, W4: 100, W5: 100, W6: 150, W8: 150 };

function medianExtra(runs: WorkloadResult[]): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const key of Object.keys(runs[0].extra ?? {})) {
    const values = runs.map((r) => r.extra?.[key]);
    out[key] = typeof values[0] === 'number' ? median(values as number[]) : String(values[0]);
  }
  return out;
}

/** Median over the runs holding both of (`name`'s value / `to`'s value), to 3 decimals; undefined if none do. */
function medianRatio(byRun: Record<string, WorkloadResult>[], name: string, to: string | undefined): number | undefined {
  const ratios = to === undefined ? [] : byRun.filter((r) => r[name] && r[to]).map((r) => r[name].value / r[to].value);
  return ratios.length === 0 ? undefined : Math.round(median(ratios) * 1000) / 1000;
}

export function summarise(name: string, spec: WorkloadSpec, byRun: Record<string, WorkloadResult>[]): WorkloadSummary {
  const runs = byRun.map((r) => r[name]).filter((r) => r !== undefined);
  const ratioTo = spec.target?.against ?? spec.baseline;
  const ratio = medianRatio(byRun, name, ratioTo);
  const floorRatio = medianRatio(byRun, name, spec.floor);
  const summary: WorkloadSummary = {
    title: spec.title,
    unit: runs[0].unit,
    runs,
    median: median(runs.map((r) => r.value)),
    extra: medianExtra(runs),
    rssMB: Math.max(...runs.map((r) => r.rssMB ?? 0)),
    rssLimitMB: RSS_LIMIT[name],
  };
  if (ratio !== undefined) Object.assign(summary, { ratio, ratioTo });
  if (floorRatio !== undefined) Object.assign(summary, { floorRatio, floorTo: spec.floor });
  const cpu = (r: WorkloadResult | undefined) => r?.extra?.cpuUsPerJob as number | undefined;
  const cpuRatios = ratioTo === undefined ? [] : byRun.filter((r) => cpu(r[name]) && cpu(r[ratioTo])).map((r) => cpu(r[ratioTo])! / cpu(r[name])!);
  if (cpuRatios.length > 0) summary.cpuRatio = Math.round(median(cpuRatios) * 1000) / 1000;
  const warm = (r: WorkloadResult | undefined) => r?.extra?.secondHalfJobsPerS as number | undefined;
  const warmRatios = ratioTo === undefined ? [] : byRun.filter((r) => warm(r[name]) && warm(r[ratioTo])).map((r) => warm(r[name])! / warm(r[ratioTo])!);
  if (warmRatios.length > 0) summary.secondHalfRatio = Math.round(median(warmRatios) * 1000) / 1000;
  if (spec.target !== undefined) {
    summary.target = spec.target.text;
    if (spec.target.ratio !== undefined) summary.met = summary.ratio !== undefined && summary.ratio >= spec.target.ratio;
    if (spec.target.max !== undefined) summary.met = summary.median <= spec.target.max;
    if (name === 'W5') summary.met = summary.met && Number(summary.extra.p99) <= 5;
  }
  return summary;
}

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US').replace(/,/g, ' ') : String(n));

export function table(summaries: Record<string, WorkloadSummary>): string {
  const lines = [
    '| workload | what | median | ratio (wall) | to schema floor | CPU µs/job (ratio) | peak RSS MB | target | met |',
    '|---|---|---:|---:|---:|---:|---:|---|:---:|',
  ];
  for (const [name, s] of Object.entries(summaries)) {
    const warmRatio = s.secondHalfRatio === undefined ? '' : ` (2nd half ${s.secondHalfRatio.toFixed(2)} ×)`;
    const ratio = s.ratio === undefined ? '' : `${s.ratio.toFixed(2)} × ${s.ratioTo}${warmRatio}`;
    const floor = s.floorRatio === undefined ? '' : `${s.floorRatio.toFixed(2)} × ${s.floorTo}`;
    const warm = s.extra.secondHalfJobsPerS === undefined ? '' : ` (2nd half ${fmt(Math.round(Number(s.extra.secondHalfJobsPerS)))})`;
    const extra = name === 'W5' || name === 'W5x' ? ` (p50 ${s.extra.p50} / p95 ${s.extra.p95} / p99 ${s.extra.p99})` : warm;
    const rss = s.rssLimitMB === undefined ? `${s.rssMB}` : `${s.rssMB} ${s.rssMB <= s.rssLimitMB ? '✓' : `✗ > ${s.rssLimitMB}`}`;
    const met = s.met === undefined ? '' : s.met ? 'yes' : 'no';
    const cpu = s.extra.cpuUsPerJob === undefined ? '' : `${s.extra.cpuUsPerJob}${s.cpuRatio === undefined ? '' : ` (${s.cpuRatio.toFixed(2)})`}`;
    lines.push(`| ${name} | ${s.title} | ${fmt(s.median)} ${s.unit}${extra} | ${ratio} | ${floor} | ${cpu} | ${rss} | ${s.target ?? ''} | ${met} |`);
  }
  return lines.join('\n');
}
