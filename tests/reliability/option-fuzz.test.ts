import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createQueueEngine, Queue, ValidationError, Worker, type QueueEngine } from '../../src_refactored/index.js';

// Property-based fuzzing of every public option object and of job data. Each property checks: a call
// either succeeds, or throws a ValidationError whose `field` names the option that was broken, and
// nothing stored changes on a refusal. The number of cases is printed at the end.

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
// Fixed by default so CI is reproducible; FUZZ_SEED=<n> (or FUZZ_SEED=random) explores further.
const SEED = process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 20_261_123);
fc.configureGlobal({ seed: SEED, numRuns: RUNS });
let casesRun = 0;
const counted = <T>(arb: fc.Arbitrary<T>) => arb.map((v) => ((casesRun += 1), v));

/** Hostile values: wrong types, edge numbers, SQL-looking and control-character strings, odd objects. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true }),
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -1, 0, 0.5, 2 ** 53, -(2 ** 31), '', ' ', "'; DROP TABLE jobs; --", '\u0000', '1', null, undefined, [], {}, () => 1, Symbol('s')),
  fc.integer(),
  fc.string(),
);

/** A valid base object with one key (or an unknown key) replaced by a hostile value. */
function mutated<T extends object>(base: fc.Arbitrary<T>, keys: readonly string[]) {
  return fc.tuple(base, fc.constantFrom(...keys, 'notAnOption'), hostile).map(([b, key, value]) => ({ key, value: { ...b, [key]: value } }));
}

const validJobOpts = fc.record(
  {
    priority: fc.integer({ min: 0, max: 2_097_151 }),
    delay: fc.nat(10_000),
    attempts: fc.integer({ min: 1, max: 5 }),
    lifo: fc.boolean(),
    removeOnComplete: fc.oneof(fc.boolean(), fc.nat(100)),
    timeout: fc.integer({ min: 1, max: 10_000 }),
    backoff: fc.record({ type: fc.constantFrom('fixed', 'exponential'), delay: fc.nat(1000) }),
  },
  { requiredKeys: [] },
);
const JOB_OPTION_KEYS = ['priority', 'delay', 'attempts', 'backoff', 'lifo', 'jobId', 'removeOnComplete', 'removeOnFail', 'keepLogs', 'stackTraceLimit', 'sizeLimit', 'timeout', 'group', 'parent', 'deduplication', 'deadLetter', 'dependsOn'];

let engine: QueueEngine;
let queue: Queue;
beforeAll(async () => {
  engine = await createQueueEngine({ path: ':memory:', idleCheckInterval: 10 });
  queue = new Queue('fuzz', { connection: engine });
  await queue.addBulk([{ name: 'seed', data: { keep: 1 } }, { name: 'seed', data: { keep: 2 } }]);
});
afterAll(async () => {
  await engine.close();
  console.log(`option fuzzing: ${casesRun} generated cases ran (${RUNS} per property, seed ${SEED})`);
});

async function storedSnapshot() {
  const jobs = await queue.getJobs([], 0, -1, true);
  return jobs.map((j) => `${j.id}:${j.name}:${JSON.stringify(j.data)}:${JSON.stringify(j.opts)}`).sort();
}

/** Runs `call`; on refusal asserts the ValidationError names a field under `fieldPrefix`. */
async function expectValidOrNamed(call: () => unknown, fieldPrefix: string): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw new Error(`expected ValidationError, got ${String(error)}`, { cause: error });
    const next = error.field.charAt(fieldPrefix.length);
    const under = fieldPrefix === '' ? error.field.length > 0 : error.field.startsWith(fieldPrefix) && ['', '.', '['].includes(next);
    expect(under, `${error.field} should be under ${fieldPrefix}`).toBe(true);
    expect(error.code).toBe('ERR_VALIDATION');
    return false;
  }
}

describe('fuzzing public options (fast-check)', () => {
  it('queue.add job options: refusals name the mutated option and store nothing', async () => {
    await fc.assert(
      fc.asyncProperty(counted(mutated(validJobOpts, JOB_OPTION_KEYS)), async ({ key, value }) => {
        const before = await storedSnapshot();
        // A valid but small sizeLimit makes the data too big: that refusal rightly names `data`.
        const field = key === 'sizeLimit' && Number.isSafeInteger(value.sizeLimit) && (value.sizeLimit as number) >= 1 ? 'data' : `opts.${key}`;
        const ok = await expectValidOrNamed(() => queue.add('fuzzed', { a: 1 }, value as never), field);
        const after = await storedSnapshot();
        expect(after.length).toBe(before.length + (ok ? 1 : 0));
        expect(after.filter((j) => before.includes(j))).toEqual(before.filter((j) => after.includes(j)));
        expect(before.every((j) => after.includes(j))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('job data and names: anything not JSON-serialisable or not a valid name is refused with its path', async () => {
    await fc.assert(
      fc.asyncProperty(counted(fc.tuple(fc.oneof(fc.string(), hostile), hostile)), async ([name, data]) => {
        const before = (await storedSnapshot()).length;
        let field = '';
        try {
          await queue.add(name as string, data);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          field = (error as ValidationError).field;
          expect(field === 'name' || field === 'data' || field.startsWith('data.') || field.startsWith('data[')).toBe(true);
        }
        expect((await storedSnapshot()).length).toBe(before + (field === '' ? 1 : 0));
      }),
      { numRuns: RUNS },
    );
  });

  it('queue.addBulk: one bad entry refuses the whole batch, naming jobs[i]', async () => {
    const entry = fc.record({ name: fc.constantFrom('a', 'b'), data: fc.jsonValue({ maxDepth: 2 }) });
    const batch = fc.tuple(fc.array(entry, { maxLength: 4 }), fc.nat(4), hostile, fc.constantFrom('name', 'data', 'opts', 'whole'));
    await fc.assert(
      fc.asyncProperty(counted(batch), async ([entries, at, value, part]) => {
        const list: unknown[] = [...entries];
        const index = Math.min(at, list.length);
        list.splice(index, 0, part === 'whole' ? value : { name: 'x', data: {}, [part]: value });
        const before = await storedSnapshot();
        const ok = await expectValidOrNamed(() => queue.addBulk(list as never), `jobs[${index}]`);
        const after = await storedSnapshot();
        expect(after.length).toBe(before.length + (ok ? list.length : 0));
      }),
      { numRuns: RUNS },
    );
  });

  it('getJobs / getJobCounts / clean / retryJobs / promoteJobs / getJobLogs arguments', async () => {
    const calls = fc.oneof(
      fc.tuple(fc.constant('getJobs'), fc.tuple(fc.oneof(hostile, fc.array(fc.oneof(fc.constantFrom('waiting', 'completed', 'paused'), hostile), { maxLength: 3 })), hostile, hostile, hostile)),
      fc.tuple(fc.constant('getJobCounts'), fc.array(fc.oneof(fc.constantFrom('active', 'wait'), hostile), { maxLength: 3 })),
      fc.tuple(fc.constant('clean'), fc.tuple(hostile, hostile, hostile)),
      fc.tuple(fc.constant('retryJobs'), fc.tuple(fc.oneof(hostile, mutated(fc.constant({ state: 'failed' }), ['state', 'count', 'timestamp']).map((m) => m.value)))),
      fc.tuple(fc.constant('promoteJobs'), fc.tuple(fc.oneof(hostile, fc.record({ count: hostile })))),
      fc.tuple(fc.constant('getJobLogs'), fc.tuple(fc.constantFrom('1', '2', 'nope'), hostile, hostile, hostile)),
    );
    await fc.assert(
      fc.asyncProperty(counted(calls), async ([method, args]) => {
        const before = await storedSnapshot();
        const call = () => (queue as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method](...(args as unknown[]));
        await expectValidOrNamed(call, '');
        if (method !== 'clean' && method !== 'retryJobs' && method !== 'promoteJobs') expect(await storedSnapshot()).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  });

  it('Queue and Worker constructor options', async () => {
    const workerKeys = ['concurrency', 'autorun', 'name', 'lockDuration', 'lockRenewTime', 'stalledInterval', 'maxStalledCount', 'removeOnComplete', 'removeOnFail', 'settings', 'limiter', 'group', 'metrics', 'drainDelay', 'useWorkerThreads', 'killGracePeriod'];
    const ctor = fc.oneof(
      fc.tuple(fc.constant('worker'), mutated(fc.constant({ connection: engine, autorun: false, concurrency: 2 }), workerKeys)),
      fc.tuple(fc.constant('queue'), mutated(fc.constant({ connection: engine }), ['defaultJobOptions', 'prefix'])),
      fc.tuple(fc.constant('queue-name'), fc.record({ key: fc.constant('name'), value: fc.oneof(fc.string(), hostile) })),
    );
    await fc.assert(
      fc.asyncProperty(counted(ctor), async ([kind, { key, value }]) => {
        const before = await storedSnapshot();
        if (kind === 'queue-name') {
          const ok = await expectValidOrNamed(async () => void (await new Queue(value as string, { connection: engine }).close()), 'name');
          if (ok) expect(typeof value === 'string' && value.trim() === value && value.length > 0).toBe(true);
        } else {
          const make = async () => {
            const made = kind === 'worker' ? new Worker('fuzz-w', null, value as never) : new Queue('fuzz', value as never);
            await made.close();
          };
          await expectValidOrNamed(make, `opts.${key}`);
        }
        expect(await storedSnapshot()).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  });

  it('createQueueEngine options', async () => {
    const keys = ['durability', 'clock', 'logger', 'idleCheckInterval', 'changePollInterval', 'busyTimeout', 'encryption'];
    const pathless = fc.oneof(hostile.filter((v) => typeof v !== 'string'), fc.constant(''));
    const options = fc.oneof(
      mutated(fc.constant({ path: ':memory:' }), keys),
      pathless.map((path) => ({ key: 'path', value: { path } })),
      hostile.filter((v) => typeof (v as { path?: unknown })?.path !== 'string').map((value) => ({ key: '', value })),
    );
    await fc.assert(
      fc.asyncProperty(counted(options), async ({ key, value }) => {
        await expectValidOrNamed(async () => (await createQueueEngine(value as never)).close(), key === '' ? 'options' : `options.${key}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('the engine still works after all of the above, and the seed jobs are untouched', async () => {
    const seeds = await queue.getJobs([], 0, -1, true);
    expect(seeds.filter((j) => j.name === 'seed').map((j) => j.data)).toEqual([{ keep: 1 }, { keep: 2 }]);
    const job = await queue.add('after-fuzz', { ok: true });
    expect((await queue.getJob(job.id))?.data).toEqual({ ok: true });
  });
});
