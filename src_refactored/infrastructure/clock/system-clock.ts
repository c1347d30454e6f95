import type { Clock } from '../../core/application/ports/clock.port.js';

/** The only place that reads the wall clock; everything else asks the injected Clock. */
export const systemClock: Clock = { now: () => Date.now() };
