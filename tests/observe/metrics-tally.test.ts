import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MetricsTally, type MetricRow } from '../../src_refactored/infrastructure/persistence/drizzle/metrics-tally.js';
import { ALL_TIME, INF_BUCKET } from '../../src_refactored/infrastructure/persistence/drizzle/metrics-layout.js';

type Observation = { queue: string; kind: 'completed' | 'failed'; times?: { timestamp: number; delay: number; processed_on: number | null }; now: number };

const T0 = Date.UTC(2026, 0, 1);
const observation: fc.Arbitrary<Observation> = fc.record(
  {
    queue: fc.constantFrom('a', 'b', 'a\u0000b'),
    kind: fc.constantFrom('completed' as const, 'failed' as const),
    times: fc.record({
      timestamp: fc.integer({ min: T0, max: T0 + 600_000 }),
      delay: fc.integer({ min: 0, max: 5_000 }),
      processed_on: fc.option(fc.integer({ min: T0, max: T0 + 4_000_000 }), { nil: null }),
    }),
    now: fc.integer({ min: T0, max: T0 + 4_000_000 }),
  },
  { requiredKeys: ['queue', 'kind', 'now'] },
);

const sorted = (rows: Iterable<MetricRow>) =>
  [...rows].sort((x, y) => (x.queue + '|' + x.kind + '|' + x.minute < y.queue + '|' + y.kind + '|' + y.minute ? -1 : 1));

/** The rows the observations add to, summed the plain way (one map keyed by the whole row key). */
function reference(observations: Observation[]): MetricRow[] {
  const rows = new Map<string, MetricRow>();
  const add = (queue: string, kind: string, minute: number, count: number) => {
    const key = JSON.stringify([queue, kind, minute]);
    const row = rows.get(key) ?? { queue, kind, minute, count: 0 };
    row.count += count;
    rows.set(key, row);
  };
  const bucket = (ms: number) => [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000].find((b) => ms <= b) ?? INF_BUCKET;
  for (const { queue, kind, times, now } of observations) {
    add(queue, kind, Math.floor(now / 60_000), 1);
    add(queue, kind, ALL_TIME, 1);
    if (times === undefined || times.processed_on === null) continue;
    const processing = Math.max(0, now - times.processed_on);
    const wait = Math.max(0, times.processed_on - times.timestamp - times.delay);
    add(queue, 'processing_ms_bucket', bucket(processing), 1);
    add(queue, 'processing_ms_sum', ALL_TIME, processing);
    add(queue, 'wait_ms_bucket', bucket(wait), 1);
    add(queue, 'wait_ms_sum', ALL_TIME, wait);
  }
  return sorted(rows.values());
}

describe('metrics tally (what a transaction observed, before its rows are written)', () => {
  it('holds the sum of every observation per (queue, kind, minute), also when transactions are merged', () => {
    fc.assert(
      fc.property(fc.array(fc.array(observation, { maxLength: 20 }), { maxLength: 6 }), (transactions) => {
        const unwritten = new MetricsTally();
        for (const observations of transactions) {
          const pending = new MetricsTally();
          for (const o of observations) pending.observe(o.queue, o.kind, o.times, o.now);
          expect(sorted(pending.rows())).toEqual(reference(observations));
          unwritten.merge(pending);
        }
        expect(sorted(unwritten.rows())).toEqual(reference(transactions.flat()));
        expect(unwritten.isEmpty).toBe(transactions.flat().length === 0);
      }),
    );
  });

  it('a job failed by the stalled sweep (no times) counts in its minute and the total only', () => {
    const tally = new MetricsTally();
    tally.observe('q', 'failed', undefined, T0 + 90_000);
    expect(sorted(tally.rows())).toEqual([
      { queue: 'q', kind: 'failed', minute: ALL_TIME, count: 1 },
      { queue: 'q', kind: 'failed', minute: Math.floor((T0 + 90_000) / 60_000), count: 1 },
    ]);
  });
});
