import type { HistogramSnapshot } from '../../core/application/ports/metrics-repository.port.js';
import { JOB_STATES, type JobState } from '../../core/domain/job/job-state.js';
import type { QueueEngine } from '../composition/queue-engine.js';

/** One queue's figures, as the exposition and the prom-client collector both need them. */
export interface QueueFigures {
  queue: string;
  counts: Record<JobState, number>;
  completedTotal: number;
  failedTotal: number;
  processingTime: HistogramSnapshot;
  waitTime: HistogramSnapshot;
}

export const METRICS = {
  jobs: { name: 'bullite_jobs', help: 'Jobs in the queue by state.', type: 'gauge' },
  completed: { name: 'bullite_jobs_completed_total', help: 'Jobs completed since the queue was created.', type: 'counter' },
  failed: { name: 'bullite_jobs_failed_total', help: 'Jobs failed (attempts exhausted) since the queue was created.', type: 'counter' },
  processing: {
    name: 'bullite_job_processing_seconds',
    help: 'Time from the start of the final attempt to its completion or failure.',
    type: 'histogram',
  },
  wait: {
    name: 'bullite_job_wait_seconds',
    help: 'Time from a job becoming due to the start of the attempt that finished it.',
    type: 'histogram',
  },
} as const;

/** One sample: what a text line and a prom-client value both carry. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export async function collectFigures(engine: QueueEngine, queues: readonly string[]): Promise<QueueFigures[]> {
  return Promise.all(
    queues.map(async (queue) => {
      const counts = await engine.queues.getJobCounts(queue, JOB_STATES);
      return { queue, counts, ...(await engine.insights.snapshot(queue)) };
    }),
  );
}

function histogramSamples(name: string, queue: string, h: HistogramSnapshot): Sample[] {
  return [
    ...h.buckets.map((b) => ({ name: `${name}_bucket`, labels: { queue, le: String(b.le / 1000) }, value: b.count })),
    { name: `${name}_bucket`, labels: { queue, le: '+Inf' }, value: h.count },
    { name: `${name}_sum`, labels: { queue }, value: h.sumMs / 1000 },
    { name: `${name}_count`, labels: { queue }, value: h.count },
  ];
}

/** The samples of each metric family, in METRICS order. */
export function samplesOf(figures: readonly QueueFigures[]): Record<keyof typeof METRICS, Sample[]> {
  return {
    jobs: figures.flatMap((f) => JOB_STATES.map((state) => ({ name: METRICS.jobs.name, labels: { queue: f.queue, state }, value: f.counts[state] ?? 0 }))),
    completed: figures.map((f) => ({ name: METRICS.completed.name, labels: { queue: f.queue }, value: f.completedTotal })),
    failed: figures.map((f) => ({ name: METRICS.failed.name, labels: { queue: f.queue }, value: f.failedTotal })),
    processing: figures.flatMap((f) => histogramSamples(METRICS.processing.name, f.queue, f.processingTime)),
    wait: figures.flatMap((f) => histogramSamples(METRICS.wait.name, f.queue, f.waitTime)),
  };
}

/** Label values escaped as the text format requires (backslash, double quote, newline). */
function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Prometheus text exposition format 0.0.4 for the given queues' figures. `globalLabels` (BullMQ's
 * `globalVariables`) are added to every sample, e.g. `{ env: 'prod' }`.
 */
export function formatExposition(figures: readonly QueueFigures[], globalLabels: Record<string, string> = {}): string {
  const lines: string[] = [];
  const samples = samplesOf(figures);
  for (const key of Object.keys(METRICS) as (keyof typeof METRICS)[]) {
    const { name, help, type } = METRICS[key];
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const s of samples[key]) {
      const labels = Object.entries({ ...globalLabels, ...s.labels }).map(([k, v]) => `${k}="${labelValue(v)}"`);
      lines.push(`${s.name}{${labels.join(',')}} ${s.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Every queue of the engine's file (the dashboard's /metrics). */
export async function exportEnginePrometheusMetrics(engine: QueueEngine): Promise<string> {
  return formatExposition(await collectFigures(engine, await engine.insights.listQueues()));
}
