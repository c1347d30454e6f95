import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowProducer, Queue, Worker, type FlowJob, type JobsOptions } from '../../src_refactored/index.js';
import { canTransition } from '../../src_refactored/core/domain/job/job-transitions.js';
import type { JobState } from '../../src_refactored/core/domain/job/job-state.js';
import { openEngine } from '../support/engine-fixture.js';

const QUEUES = ['q0', 'q1', 'q2'];
const POLICIES: (keyof JobsOptions | undefined)[] = [
  undefined,
  'failParentOnFailure',
  'continueParentOnFailure',
  'ignoreDependencyOnFailure',
  'removeDependencyOnFailure',
];

interface Spec {
  queue: number;
  fails: boolean;
  policy: number;
  children: Spec[];
}

const spec = (depth: number): fc.Arbitrary<Spec> =>
  fc.record({
    queue: fc.nat(QUEUES.length - 1),
    fails: fc.boolean(),
    policy: fc.nat(POLICIES.length - 1),
    children: depth === 0 ? fc.constant([]) : fc.array(spec(depth - 1), { maxLength: 3 }),
  });

function toFlow(s: Spec, isChild: boolean): FlowJob {
  const policy = POLICIES[s.policy];
  return {
    name: s.fails ? 'fail' : 'ok',
    queueName: QUEUES[s.queue],
    opts: isChild && policy !== undefined ? { [policy]: true } : {},
    children: s.children.map((c) => toFlow(c, true)),
  };
}

/**
 * Each run opens an engine: on PostgreSQL a fresh schema and its migration, and ~100 round trips of
 * snapshots (1.3–2 s a run on the server, 3.5 s on PGlite, on 2 loaded cores): those backends take fewer runs.
 */
const RUNS = process.env.BULLITE_TEST_BACKEND === 'postgres' || process.env.BULLITE_TEST_BACKEND === 'pglite' ? 15 : 40;

/**
 * Random flow trees with random child outcomes and failure policies, processed step by step on a real store:
 * every state change observed between two steps must be an edge of ALLOWED_TRANSITIONS, and no job may be
 * left in waiting-children with nothing left to wait for.
 */
describe('flow state changes (property)', () => {
  it('only follow allowed transitions and never strand a parent', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spec(2), { minLength: 1, maxLength: 3 }), async (trees) => {
        const { engine, close } = await openEngine('memory');
        try {
          const flows = new FlowProducer({ connection: engine });
          const queues = QUEUES.map((q) => new Queue(q, { connection: engine }));
          const workers = QUEUES.map((q) => new Worker(q, null, { connection: engine }));
          const snapshot = async () => {
            const states = new Map<string, JobState>();
            for (const queue of queues) for (const job of await queue.getJobs()) states.set(`${queue.name}:${job.id}`, (await job.getState()) as JobState);
            return states;
          };
          await flows.addBulk(trees.map((t) => toFlow(t, false)));
          let before = await snapshot();
          for (let step = 0, progressed = true; progressed && step < 200; step++) {
            progressed = false;
            for (const worker of workers) {
              const job = await worker.getNextJob(`t${step}`);
              if (job === undefined) continue;
              progressed = true;
              if (job.name === 'fail') await job.moveToFailed(new Error('planned'), `t${step}`);
              else await job.moveToCompleted('v' as never, `t${step}`);
              const after = await snapshot();
              for (const [key, state] of after) {
                const prev = before.get(key);
                // A claim happens inside this step too: allow the active hop in between.
                const direct = prev === undefined || prev === state || canTransition(prev, state);
                const viaActive = prev !== undefined && canTransition(prev, 'active') && canTransition('active', state);
                expect(direct || viaActive, `${key}: ${prev} -> ${state}`).toBe(true);
              }
              before = after;
            }
          }
          for (const queue of queues) {
            for (const job of await queue.getJobs(['waiting-children'])) {
              const counts = await job.getDependenciesCount({ unprocessed: true });
              expect(counts.unprocessed, `${queue.name}:${job.id} waits for nothing`).toBeGreaterThan(0);
            }
            expect(await queue.getJobCounts('active', 'waiting', 'prioritized')).toEqual({ active: 0, waiting: 0, prioritized: 0 });
          }
          await Promise.all(workers.map((w) => w.close()));
        } finally {
          await close();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
