import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ActiveAttempts } from '../../src_refactored/core/application/services/active-attempts.js';
import { PROJECT_ROOT } from '../support/child-process.js';

type Attempt = { record: { id: string }; slot: number };
const attempt = (id: string): Attempt => ({ record: { id }, slot: -1 });

describe('ActiveAttempts (a worker\'s running attempts)', () => {
  it('finds, lists and removes attempts by job id', () => {
    const active = new ActiveAttempts<Attempt>();
    const [a, b, c] = [attempt('a'), attempt('b'), attempt('c')];
    for (const x of [a, b, c]) active.add(x);
    expect(active.size).toBe(3);
    active.delete(a);
    expect(active.size).toBe(2);
    expect(active.get('a')).toBeUndefined();
    expect(active.get('b')).toBe(b);
    expect(active.get('c')).toBe(c);
    expect(active.values().map((x) => x.record.id)).toEqual(['b', 'c']);
  });

  it('removes the given attempt only: a second delete, or one for an attempt it no longer holds, changes nothing', () => {
    const active = new ActiveAttempts<Attempt>();
    const first = attempt('job-1');
    const second = attempt('job-1'); // the same job started again (its lock was lost and it was claimed anew)
    active.add(first);
    active.add(second);
    active.delete(first);
    active.delete(first);
    expect(active.size).toBe(1);
    expect(active.get('job-1')).toBe(second);
  });

  it('finds the latest started attempt of a job started twice, and lists attempts in start order', () => {
    const active = new ActiveAttempts<Attempt>();
    const [a, first, b, second, c] = [attempt('a'), attempt('job-1'), attempt('b'), attempt('job-1'), attempt('c')];
    for (const x of [a, first, b, second, c]) active.add(x);
    expect(active.get('job-1')).toBe(second);
    active.delete(b);
    active.delete(a);
    expect(active.get('job-1')).toBe(second);
    expect(active.values()).toEqual([first, second, c]);
    active.delete(second);
    expect(active.get('job-1')).toBe(first);
    active.add(attempt('d'));
    expect(active.values().map((x) => x.record.id)).toEqual(['job-1', 'c', 'd']);
  });

  it('hands out a copy, so aborting attempts while going through them is safe', () => {
    const active = new ActiveAttempts<Attempt>();
    const all = ['a', 'b', 'c'].map(attempt);
    for (const x of all) active.add(x);
    const seen: string[] = [];
    for (const x of active.values()) {
      seen.push(x.record.id);
      active.delete(x);
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    expect(active.size).toBe(0);
  });

  it('does not make V8 promote finished attempts, as a Map by job id does', () => {
    // Promoted bytes summed from V8's trace (--trace-gc-nvp) in a child process, for 400 000 attempts of
    // ~1 KB, 16 at a time; `none` runs the same loop with no collection (the baseline). The Map is the
    // control: it shows that the effect ActiveAttempts avoids exists on this Node (12-26 MB against 6.5).
    const promotedMB = (kind: 'attempts' | 'map' | 'none') => {
      const args = ['--expose-gc', '--import', 'tsx', 'tests/fixtures/memory/collection-churn.ts', kind, '400000'];
      const run = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const scavenges = run.stdout.split('\n').filter((line) => /\bgc=s\b/.test(line));
      expect(scavenges.length).toBeGreaterThan(3);
      return scavenges.reduce((sum, line) => sum + Number(/\bpromoted=(\d+)/.exec(line)![1]), 0) / 2 ** 20;
    };
    const baseline = promotedMB('none');
    expect(promotedMB('map')).toBeGreaterThan(baseline * 1.4);
    expect(promotedMB('attempts')).toBeLessThan(baseline * 1.2 + 1);
  }, 60_000);
});
