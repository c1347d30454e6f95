import type { Clock } from '../../src_refactored/index.js';

/** A Clock tests move by hand; the engine sees a jump within one idleCheckInterval. */
export class FakeClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(epochMs: number): void {
    this.current = epochMs;
  }
}
