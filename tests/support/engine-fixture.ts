import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueueEngine, type QueueEngine, type QueueEngineOptions } from '../../src_refactored/index.js';

export type StoreKind = 'memory' | 'wal-file';

/** A fresh directory for database files, removed by the returned cleanup. */
export function tempDir(prefix = 'bullite-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Opens an engine on a real SQLite store: ':memory:' or a WAL file in a temp folder. Tests use a short
 * idle check so fake-clock jumps are seen quickly; nothing in a test waits on wall-clock time otherwise.
 */
export async function openEngine(kind: StoreKind, options: Partial<QueueEngineOptions> = {}) {
  const temp = kind === 'wal-file' ? tempDir() : undefined;
  const path = temp ? join(temp.dir, 'jobs.db') : ':memory:';
  const engine: QueueEngine = await createQueueEngine({ idleCheckInterval: 10, ...options, path });
  return {
    engine,
    path,
    close: async () => {
      await engine.close();
      temp?.cleanup();
    },
  };
}

/** Resolves with the arguments of the next `event` from `emitter`, or rejects after `timeoutMs`. */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter: { once(event: string, listener: (...args: unknown[]) => void): unknown; off(event: string, listener: (...args: unknown[]) => void): unknown },
  event: string,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out waiting for '${event}'`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(event, listener);
  });
}

/** Polls `predicate` on the event loop until it holds (for state reached through timers). */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
