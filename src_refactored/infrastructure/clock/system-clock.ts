import type { Clock } from '../../core/application/ports/clock.port.js';

/** The only place that reads the wall clock; everything else asks the injected Clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** An epoch-ms time as an ISO-8601 UTC string (formatting only, no clock read; for the CLI's tables). */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
