/**
 * Entry point of a sandboxed processor, in a child process (argv[2] = processor URL) or a worker
 * thread (workerData.processor). It loads the processor module once, then runs one job at a time as
 * the parent asks. A crash here ends only this process/thread: the parent fails the attempt and
 * starts a fresh one.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  fromWireError,
  toWireError,
  type ChildMessage,
  type JobMethod,
  type ParentMessage,
  type SandboxJobSnapshot,
} from './sandbox-protocol.js';

type ProcessorFn = (job: unknown, token: string | undefined, signal: AbortSignal) => unknown;

const channel = isMainThread
  ? {
      send: (message: ChildMessage) => process.send!(message),
      listen: (fn: (message: ParentMessage) => void) => process.on('message', fn),
    }
  : {
      send: (message: ChildMessage) => parentPort!.postMessage(message),
      listen: (fn: (message: ParentMessage) => void) => parentPort!.on('message', fn),
    };

// The parent died (or closed the pool): nothing will ever ask this child for work again.
if (isMainThread) process.on('disconnect', () => process.exit(0));

const processorUrl: string = isMainThread ? process.argv[2] : (workerData as { processor: string }).processor;

/** Accepts `export default fn`, CommonJS `module.exports = fn` and transpiled `exports.default = fn`. */
async function loadProcessor(): Promise<ProcessorFn> {
  const mod = (await import(processorUrl)) as { default?: unknown };
  const candidates = [mod.default, (mod.default as { default?: unknown } | undefined)?.default];
  const fn = candidates.find((c) => typeof c === 'function');
  if (fn === undefined) throw new TypeError(`${processorUrl} must export a processor function as its default export`);
  return fn as ProcessorFn;
}

const processor = loadProcessor();
// A module that fails to load fails each job with its error (below), instead of crashing the sandbox.
processor.catch(() => undefined);
const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextCallId = 0;
let controller: AbortController | undefined;

function call(method: JobMethod, arg: unknown): Promise<unknown> {
  const callId = ++nextCallId;
  return new Promise((resolve, reject) => {
    calls.set(callId, { resolve, reject });
    channel.send({ type: 'call', callId, method, arg });
  });
}

function jobProxy(snapshot: SandboxJobSnapshot) {
  const job = {
    ...snapshot,
    async updateProgress(progress: unknown) {
      await call('updateProgress', progress);
      job.progress = progress;
    },
    log: (message: string) => call('log', String(message)) as Promise<number>,
    async updateData(data: unknown) {
      await call('updateData', data);
      job.data = data;
    },
  };
  return job;
}

async function run(snapshot: SandboxJobSnapshot): Promise<void> {
  controller = new AbortController();
  try {
    const fn = await processor;
    const result = await fn(jobProxy(snapshot), snapshot.token, controller.signal);
    channel.send({ type: 'done', result });
  } catch (error) {
    channel.send({ type: 'failed', error: toWireError(error) });
  } finally {
    controller = undefined;
  }
}

channel.listen((message) => {
  switch (message.type) {
    case 'start':
      void run(message.job);
      return;
    case 'abort':
      controller?.abort(fromWireError(message.reason));
      return;
    case 'reply': {
      const pending = calls.get(message.callId);
      calls.delete(message.callId);
      if (message.ok) pending?.resolve(message.value);
      else pending?.reject(fromWireError(message.error));
    }
  }
});
