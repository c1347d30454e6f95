import type { QueueEngine } from '../composition/queue-engine.js';
import { METRICS, collectFigures, samplesOf, type Sample } from './prometheus-exposition.js';
import { parseInput } from '../validation/parse-input.js';
import { promCollectorOptionsSchema } from '../validation/observability-options.schema.js';

/**
 * The part of prom-client's `Registry` this helper uses. Typed structurally, so bullite does not import
 * prom-client: it stays an optional peer dependency that only users of this helper install.
 */
export interface PromRegistryLike {
  registerMetric(metric: never): void;
}

export interface PromCollectorOptions {
  /** Queues to report; default every queue in the store, read at each scrape. */
  queues?: readonly string[];
}

/**
 * Registers bullite's metrics (jobs by state, completed/failed totals, processing and wait-time
 * histograms) in a prom-client registry. Values are read from the store at each scrape, so one
 * process's `/metrics` reports the work of every process on the file.
 *
 *   import { register } from 'prom-client';
 *   registerPrometheusMetrics(register, engine);
 */
export function registerPrometheusMetrics(registry: PromRegistryLike, engine: QueueEngine, options: PromCollectorOptions = {}): void {
  const opts = parseInput(promCollectorOptionsSchema, options, 'opts');
  // prom-client calls get() on each metric of a scrape; the figures are read once per scrape.
  let pending: Promise<Record<keyof typeof METRICS, Sample[]>> | undefined;
  const read = () => {
    pending ??= (async () => {
      const queues = opts.queues ?? (await engine.insights.listQueues());
      return samplesOf(await collectFigures(engine, queues));
    })().finally(() => queueMicrotask(() => (pending = undefined)));
    return pending;
  };
  for (const key of Object.keys(METRICS) as (keyof typeof METRICS)[]) {
    const { name, help, type } = METRICS[key];
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      labelNames: [],
      async get() {
        const samples = (await read())[key];
        return {
          name,
          help,
          type,
          aggregator: 'sum',
          values: samples.map((s) => ({ labels: s.labels, value: s.value, metricName: s.name })),
        };
      },
      reset() {},
    };
    registry.registerMetric(metric as never);
  }
}
