import { afterEach } from 'vitest';
import type { QueueEngine, QueueEngineOptions, Worker } from '../../src_refactored/index.js';
import { openEngine, type StoreKind } from './engine-fixture.js';

type AnyWorker = Worker<never, never, string> | Worker;

/**
 * An engine per test plus the workers the test started, all closed after each test (workers first, so
 * they finish or hand back their jobs before the file closes).
 */
export function engineScope() {
  const workers: AnyWorker[] = [];
  let current: { engine: QueueEngine; path: string; close: () => Promise<void> } | undefined;
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    await current?.close();
    current = undefined;
  });
  return {
    async open(kind: StoreKind = 'memory', options: Partial<QueueEngineOptions> = {}): Promise<QueueEngine> {
      current = await openEngine(kind, options);
      return current.engine;
    },
    /** The store file of the engine opened last (':memory:' for memory engines). */
    path(): string {
      return current!.path;
    },
    /** Closes `worker` after the test; returns it. */
    track<W extends AnyWorker>(worker: W): W {
      workers.push(worker);
      return worker;
    },
    workers,
  };
}
