import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { CancelledError, Queue, Worker, type Job } from '../../src_refactored/index.js';
import { mayReadSignal } from '../../src_refactored/presentation/api/processor-signal-use.js';
import { afterActive, nextEvent, openEngine } from '../support/engine-fixture.js';

const defer = cleanupAfterEach();

/** Resolves with what the processor got as its signal once that signal aborts (or at once if it is not one). */
function abortedSignal(signal: unknown, seen: (s: unknown) => void): Promise<never> {
  seen(signal);
  if (!(signal instanceof AbortSignal)) return Promise.reject(new Error(`no signal: ${String(signal)}`));
  return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

const FALLBACK = new AbortController().signal;
let seen: unknown;
const keep = (s: unknown) => void (seen = s);

// Processors that reach their third argument without declaring three parameters; each must still get the
// attempt's signal (a worker makes the signal only for processors that can read it).
const READERS: [string, (...args: never[]) => Promise<unknown>][] = [
  ['a named third parameter', async (_job: Job, _token: string, signal: AbortSignal) => abortedSignal(signal, keep)],
  ['a rest parameter', async (...args: unknown[]) => abortedSignal(args[2], keep)],
  [
    'arguments[2]',
    async function (_job: Job) {
      return abortedSignal(arguments[2], keep); // eslint-disable-line prefer-rest-params
    },
  ],
  ['a default before it (length 1)', async (_job: Job, _token = '', signal?: AbortSignal) => abortedSignal(signal, keep)],
  ['a default on it (length 2)', async (_job: Job, _token: string, signal: AbortSignal = FALLBACK) => abortedSignal(signal, keep)],
];

describe('the attempt signal', () => {
  for (const [form, processor] of READERS) {
    it(`reaches a processor through ${form} and aborts with CancelledError on cancelJob`, async () => {
      const { engine, close } = await openEngine('memory');
      defer(close);
      const queue = new Queue('q', { connection: engine });
      seen = undefined;
      const worker = new Worker('q', processor as never, { connection: engine });
      defer(() => worker.close());
      const job = await afterActive(worker, () => queue.add('n', 1, { attempts: 3 }));
      const failed = nextEvent<[unknown, Error]>(worker, 'failed');
      expect(worker.cancelJob(job.id, 'stop')).toBe(true);
      const [, error] = await failed;
      expect(error).toBeInstanceOf(CancelledError);
      expect(seen).toBeInstanceOf(AbortSignal);
      expect(seen).not.toBe(FALLBACK);
      expect((seen as AbortSignal).reason).toBeInstanceOf(CancelledError);
      expect(await queue.getJobState(job.id)).toBe('failed');
    });
  }

  it('a processor of one parameter still runs, completes, and is cancelled by the guard', async () => {
    const { engine, close } = await openEngine('memory');
    defer(close);
    const queue = new Queue('q', { connection: engine });
    let release: (v: string) => void = () => undefined;
    const worker = new Worker('q', async (job: Job) => (job.data === 'hang' ? new Promise<string>((r) => (release = r)) : `done ${String(job.data)}`), {
      connection: engine,
    });
    defer(() => worker.close());
    defer(() => release('late')); // a failed assertion must not leave close() waiting on the hung attempt
    const completed = nextEvent<[Job, unknown]>(worker, 'completed');
    await queue.add('n', 'quick');
    expect((await completed)[1]).toBe('done quick');
    const hang = await afterActive(worker, () => queue.add('n', 'hang', { attempts: 3 }));
    const failed = nextEvent<[unknown, Error]>(worker, 'failed');
    expect(worker.cancelJob(hang.id, 'enough')).toBe(true);
    expect((await failed)[1]).toBeInstanceOf(CancelledError);
    release('late');
    expect(await queue.getJob(hang.id)).toMatchObject({ failedReason: 'enough', attemptsMade: 1 });
  });
});

describe('mayReadSignal', () => {
  it('is false only when the source shows the third argument cannot be read', () => {
    const cannot = [
      async () => undefined,
      async (_job: unknown) => undefined,
      async (_job: unknown, _token: string) => undefined,
      (job: unknown) => job,
      async ({ data }: { data: unknown }, _token: string) => data,
      { async process(_job: unknown) {} }.process,
      new Function('job', 'return job') as () => unknown,
    ];
    for (const fn of cannot) expect(mayReadSignal(fn), String(fn)).toBe(false);
  });

  it('is true for three parameters, rest, defaults, arguments, and whatever it cannot read', () => {
    const can = [
      async (_a: unknown, _b: unknown, _c: unknown) => undefined,
      async (...args: unknown[]) => args,
      function (this: unknown, _job: unknown) {
        return arguments.length; // eslint-disable-line prefer-rest-params
      },
      async (_job: unknown, _token = 'x', _signal?: AbortSignal) => undefined,
      async ({ data = 1 }: { data?: number }) => data,
      function (_job: unknown) {}.bind(null),
      class {} as unknown as () => unknown,
      { ['p'](_job: unknown, _t = 1) {} }.p,
      new Function('job', 'return arguments[2]') as () => unknown,
    ];
    for (const fn of can) expect(mayReadSignal(fn), String(fn)).toBe(true);
  });
});
