import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { builtInBackoffDelay, normalizeBackoff } from '../../src_refactored/core/domain/job/backoff.js';
import { decideAfterFailure } from '../../src_refactored/core/domain/job/retry-policy.js';
import { retentionLimits } from '../../src_refactored/core/domain/job/job-options.js';

describe('backoff maths', () => {
  it('fixed and exponential without jitter', () => {
    const fixed = normalizeBackoff(300)!;
    const exp = normalizeBackoff({ type: 'exponential', delay: 100 })!;
    expect([1, 2, 3].map((n) => builtInBackoffDelay(fixed, n, Math.random))).toEqual([300, 300, 300]);
    expect([1, 2, 3, 4].map((n) => builtInBackoffDelay(exp, n, Math.random))).toEqual([100, 200, 400, 800]);
  });

  it('jitter draws in [base·(1−j), base]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 10 }), (delay, jitter, r, attempt) => {
        const base = delay * 2 ** (attempt - 1);
        const d = builtInBackoffDelay({ type: 'exponential', delay, jitter }, attempt, () => r)!;
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * (1 - jitter)));
        expect(d).toBeLessThanOrEqual(base);
      }),
    );
  });

  it('custom types are left to the worker strategy', () => {
    expect(builtInBackoffDelay({ type: 'linear', delay: 1, jitter: 0 }, 1, Math.random)).toBeUndefined();
  });
});

describe('retry policy', () => {
  it('retries iff attemptsMade < attempts and the error is recoverable', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.boolean(), fc.nat(5000), (made, max, unrecoverable, delay) => {
        const decision = decideAfterFailure({ attemptsMade: made, maxAttempts: max, unrecoverable, backoffDelay: delay, now: 1000 });
        if (!unrecoverable && made < max) expect(decision).toEqual({ kind: 'retry', runAt: delay > 0 ? 1000 + delay : null });
        else expect(decision).toEqual({ kind: 'fail' });
      }),
    );
  });
});

describe('retention rules', () => {
  it('maps BullMQ shapes to limits', () => {
    expect(retentionLimits(true, false)).toEqual({ count: 0 });
    expect(retentionLimits(false, true)).toEqual({});
    expect(retentionLimits(50, false)).toEqual({ count: 50 });
    expect(retentionLimits({ age: 60 }, false)).toEqual({ count: undefined, ageMs: 60_000 });
    expect(retentionLimits(undefined, { count: 1000 })).toEqual({ count: 1000, ageMs: undefined });
  });
});
