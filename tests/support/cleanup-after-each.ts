import { afterEach } from 'vitest';
import { Queue } from '../../src_refactored/index.js';
import { FakeClock } from './fake-clock.js';
import { openEngine } from './engine-fixture.js';

/** Registers an afterEach that runs the returned `defer`red closers, last first. */
export function cleanupAfterEach(): (close: () => Promise<unknown> | void) => void {
  const closers: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return (close) => void closers.push(close);
}

/** An in-memory engine on a fake clock with one queue 'q', closed after the test. */
export async function fakeClockQueue(defer: ReturnType<typeof cleanupAfterEach>) {
  const clock = new FakeClock();
  const { engine, close } = await openEngine('memory', { clock });
  defer(close);
  return { clock, engine, queue: new Queue('q', { connection: engine }) };
}
