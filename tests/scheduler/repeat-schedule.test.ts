import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstRunAt, nextRunAfter, validateRepeat } from '../../src_refactored/core/domain/schedule/repeat-schedule.js';

const T0 = Date.UTC(2026, 0, 1);

describe('repeat schedule maths (pure)', () => {
  it('every: the next slot is the first aligned slot after both the started slot and now (missed slots skipped)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 86_400_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000_000 }),
        fc.integer({ min: 0, max: 10_000_000_000 }),
        (every, offsetSeed, startedDelta, nowDelta) => {
          const offset = offsetSeed % every;
          const started = T0 + startedDelta;
          const now = T0 + nowDelta;
          const next = nextRunAfter({ every, offset }, started, now, 0)!;
          const floor = Math.max(started, now);
          expect(next).toBeGreaterThan(floor);
          expect(next - every).toBeLessThanOrEqual(floor);
          expect((((next - offset) % every) + every) % every).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('cron: the next slot matches the pattern, lies after started and now, and no matching minute is skipped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 86_400 }), fc.integer({ min: 0, max: 3 * 3600 }), (startedSec, lagSec) => {
        const started = T0 + startedSec * 1000;
        const now = started + lagSec * 1000;
        const next = nextRunAfter({ pattern: '*/15 * * * *' }, started, now, 0)!;
        expect(new Date(next).getUTCMinutes() % 15).toBe(0);
        expect(next).toBeGreaterThan(now);
        expect(next - 15 * 60_000).toBeLessThanOrEqual(Math.max(now, started));
      }),
      { numRuns: 300 },
    );
  });

  it('limit, endDate and immediately', () => {
    expect(nextRunAfter({ every: 1000, limit: 3 }, T0, T0, 3)).toBeNull();
    expect(nextRunAfter({ every: 1000, limit: 3 }, T0, T0, 2)).toBe(T0 + 1000);
    expect(nextRunAfter({ every: 1000, endDate: T0 + 1500 }, T0 + 1000, T0 + 1000, 0)).toBeNull();
    expect(firstRunAt({ every: 1000, immediately: true }, T0 + 7, 0)).toBe(T0 + 7);
    expect(firstRunAt({ every: 1000, startDate: T0 + 5000 }, T0, 0)).toBe(T0 + 5000);
    expect(firstRunAt({ pattern: '0 0 * * *', startDate: T0 + 1 }, T0, 0)).toBe(T0 + 86_400_000);
  });

  it('validation uses BullMQ wording', () => {
    expect(() => validateRepeat({ every: 1, pattern: '* * * * *' }, T0)).toThrow('Both .pattern and .every options are defined for this repeatable job');
    expect(() => validateRepeat({ every: 1, endDate: T0 - 1 }, T0)).toThrow('End date must be greater than current timestamp');
  });
});
