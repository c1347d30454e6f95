import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { Queue } from '../../src_refactored/index.js';
import { SqliteEventTrimWindow } from '../../src_refactored/infrastructure/events/sqlite-event-trim-window.js';
import { freshStore, openSameStore } from '../support/engine-fixture.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';

/**
 * The events table keeps about `maxLen` events per queue. The trim's cutoff comes from SqliteEventTrimWindow,
 * which remembers each queue's rows instead of summing them all on every trim (issue 6: 10 µs per W3 job).
 * SQLite-only: it is about the events table of one file.
 */
describe('event trimming', () => {
  const defer = cleanupAfterEach();

  /** The exact cutoff, summed over every row (what the trim used to run). */
  const exactCutoff = (db: Database.Database, queue: string, maxLen: number) =>
    db
      .prepare(
        `SELECT id FROM (SELECT id, sum(count) OVER (ORDER BY id DESC) AS newer FROM events WHERE queue = ?)
         WHERE newer >= ? ORDER BY id DESC LIMIT 1`,
      )
      .pluck()
      .get(queue, maxLen) as number | undefined;

  it('cuts where the full sum does, and never below maxLen when two processes trim the same queue', () => {
    const maxLen = 20;
    const step = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), queue: fc.constantFrom('a', 'b'), count: fc.integer({ min: 1, max: 8 }) }),
      fc.record({ kind: fc.constant('trim' as const), queue: fc.constantFrom('a', 'b'), by: fc.constantFrom(0, 1) }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 40, maxLength: 120 }), (steps) => {
        const db = new Database(':memory:');
        db.exec('CREATE TABLE events (id INTEGER PRIMARY KEY, queue TEXT NOT NULL, count INTEGER NOT NULL, batch TEXT NOT NULL)');
        // Two windows on one table: two processes, each trimming on its own schedule.
        const windows = [new SqliteEventTrimWindow(db, maxLen), new SqliteEventTrimWindow(db, maxLen)];
        const sum = db.prepare('SELECT coalesce(sum(count), 0) FROM events WHERE queue = ?').pluck();
        const newest = db.prepare('SELECT max(id) FROM events WHERE queue = ?').pluck();
        let next = 1;
        for (const s of steps) {
          if (s.kind === 'insert') {
            db.prepare("INSERT INTO events VALUES (?, ?, ?, '[]')").run(next, s.queue, s.count);
            next += s.count;
            continue;
          }
          const before = sum.get(s.queue) as number;
          const newestBefore = newest.get(s.queue);
          const exact = exactCutoff(db, s.queue, maxLen);
          // Rows the other window already deleted are still in this one: they must not move the cut.
          const cutoff = windows[s.by].cutoff(s.queue);
          expect(cutoff).toBe(exact);
          if (cutoff !== undefined) db.prepare('DELETE FROM events WHERE queue = ? AND id < ?').run(s.queue, cutoff);
          expect(sum.get(s.queue)).toBeGreaterThanOrEqual(Math.min(before, maxLen));
          expect(newest.get(s.queue), 'the newest row stays').toBe(newestBefore);
        }
        db.close();
      }),
      { numRuns: 200 },
    );
  });

  it('keeps about maxLen events of a queue that two engines on one file add to', async () => {
    const temp = await freshStore('t.db');
    defer(temp.cleanup);
    const engines = [await openSameStore(temp.path, { events: { maxLen: 100 } }), await openSameStore(temp.path, { events: { maxLen: 100 } })];
    for (const engine of engines) defer(() => engine.close());
    const queues = engines.map((engine) => new Queue('t', { connection: engine }));
    for (const queue of queues) defer(() => queue.close());
    const raw = new Database(temp.path, { readonly: true });
    defer(() => void raw.close());
    let added = 0;
    for (let round = 0; round < 40; round++) {
      const size = 1 + ((round * 7) % 9); // 1..9 jobs, two events each
      await queues[round % 2].addBulk(Array.from({ length: size }, () => ({ name: 'x', data: {} })));
      added += 2 * size;
      await new Promise((resolve) => setImmediate(resolve)); // the events are written at the end of the turn
      const latest = Number(await engines[0].eventStream.latestId('t'));
      const kept = raw.prepare("SELECT sum(count) AS events, min(id) AS first FROM events WHERE queue = 't'").get() as { events: number; first: number };
      // At least maxLen (or all, while fewer were written), and the newest ones: no gap up to the latest id.
      expect(kept.events).toBeGreaterThanOrEqual(Math.min(added, 100));
      expect(kept.first + kept.events - 1).toBe(latest);
      // Each engine trims every maxLen/10 of its own events, to at most one row (≤ 10 events) above maxLen.
      expect(kept.events).toBeLessThan(100 + 2 * 10 + 10);
    }
  });
});
