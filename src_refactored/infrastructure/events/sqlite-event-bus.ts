import type { Clock } from '../../core/application/ports/clock.port.js';
import type { EventBus, QueueEventListener, QueueEventRecord } from '../../core/application/ports/event-bus.port.js';
import type { EventStream, StoredQueueEvent } from '../../core/application/ports/event-stream.port.js';
import type { Logger } from '../../core/application/ports/logger.port.js';
import type { SqliteDb } from '../persistence/drizzle/sqlite-database.js';
import { SqliteTransactor } from '../persistence/drizzle/sqlite-transactor.js';
import { LocalListeners } from './local-listeners.js';
import { SqliteEventTrimWindow } from './sqlite-event-trim-window.js';
import { DEFAULT_EVENTS_MAX_LEN, MAX_BUFFERED } from './stored-event.mapper.js';
import { EVENT_BATCH_COLUMNS, encodeBatch, expandBatches, type EventBatchRow, type TimedEvent } from './sqlite-event-batch.mapper.js';
import { joinTransactions, type TransactionParticipant } from '../persistence/drizzle/transaction-participants.js';
import { plainCodec, type PayloadCodec } from '../persistence/codec/payload-codec.js';
import { HeldTransaction } from '../persistence/drizzle/sqlite-held-transaction.js';

/**
 * Buffered events beyond this many are written as soon as the code publishing them yields (a microtask)
 * instead of at the end of the turn. A loop of awaited add() calls never ends its turn: its events
 * waited for MAX_BUFFERED (1 000 adds), lived across V8's young-generation collections meanwhile, and
 * V8 grew the young generation for them. Written every 100 adds: W1 in a process of its own peaked at
 * 86 instead of 97 MiB (bench child 96-97 against 97-99, the same add rate in 6 paired rounds), and a
 * crash in such a loop loses at most 100 adds' events. One announce of a whole batch (addBulk: 2 000
 * events) still writes them all in one transaction.
 */
const WRITE_SOON_BUFFERED = 200;
/** While another process holds the write lock, buffered events are retried after this many ms. */
const BUSY_RETRY_MS = 10;

/**
 * The durable event stream on the `events` table. `publish` only buffers: every event published in one
 * event-loop turn is written by ONE transaction at the end of the turn (setImmediate), or once the
 * publishing code yields with WRITE_SOON_BUFFERED events buffered (a loop of awaited adds), so a worker that
 * settles 500 jobs in a turn pays one commit for their ~1 000 events, not 1 000 commits (measured in
 * tests/bench/observe-bench.ts). A commit stores each run of consecutive events of one queue as one row
 * (events.table.ts): W2 (addBulk, an 'added' and a 'waiting' event per job) spent 29 % of its CPU writing
 * one row and one index entry per event. Events published INSIDE a write transaction of this engine (a worker's
 * settle-and-claim publishes there, through the repository's `withinTransaction`) are written by that
 * transaction's own commit when nothing older is buffered: a job step then costs one commit, not two
 * (W3: 2 004 → 1 004 transactions for 1 000 jobs). This engine's listeners get each event at the end of
 * the turn, after its commit, with its durable id; other processes read the table (`read`), woken by
 * the change feed.
 *
 * Trimming: each queue keeps about `maxLen` events: whole rows, so at least maxLen and fewer than
 * maxLen + trimEvery (a row holds at most trimEvery events). The trim runs once every `trimEvery` events
 * of a queue (maxLen/10, at most 1 000) and deletes at most 4× as many rows as events were inserted since
 * the last trim, so its cost per event is bounded and small whatever the table's size, and it always
 * catches up.
 */
export class SqliteEventBus implements EventBus, EventStream, TransactionParticipant {
  private readonly tx: SqliteTransactor;
  private readonly listeners = new LocalListeners();
  private buffer: TimedEvent[] = [];
  /** Taken by the open transaction: stored with it, or back into the buffer if it rolls back. */
  private inFlight: TimedEvent[] = [];
  private stored: Required<QueueEventRecord>[] = [];
  /** Stored, delivered to this engine's listeners at the end of the turn (as before: never inside a write). */
  private toDeliver: Required<QueueEventRecord>[] = [];
  /** Buffer length as the open transaction began: events after it were published by its unit of work. */
  private mark = 0;
  /** The end-of-turn flush's own transaction: it writes the whole buffer. */
  private flushing = false;
  /** A microtask will write the buffer if it still holds WRITE_SOON_BUFFERED events. */
  private writeSoon = false;
  private readonly leaveTransactions: () => void;
  private flushTimer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private readonly sinceTrim = new Map<string, number>();
  private readonly trimEvery: number;
  private readonly trimWindow: SqliteEventTrimWindow;
  private closed = false;
  private readonly s;

  constructor(
    private readonly db: SqliteDb,
    private readonly clock: Clock,
    private readonly logger: Logger,
    maxLen: number = DEFAULT_EVENTS_MAX_LEN,
    private readonly codec: PayloadCodec = plainCodec,
  ) {
    this.tx = new SqliteTransactor(db);
    this.leaveTransactions = joinTransactions(db, this);
    this.trimEvery = Math.max(1, Math.min(1000, Math.ceil(maxLen / 10)));
    this.trimWindow = new SqliteEventTrimWindow(db, maxLen);
    this.s = {
      // The id after the newest row's last event (rowid order: one seek). Read under the write lock.
      nextId: db.prepare<[], number>('SELECT id + count FROM events ORDER BY id DESC LIMIT 1').pluck(),
      insert: db.prepare<[number, string, number, string]>('INSERT INTO events (id, queue, count, batch) VALUES (?, ?, ?, ?)'),
      // The rows before the queue's cutoff (trimWindow), oldest first: at least maxLen events remain (like
      // Redis' MAXLEN ~), and the newest row never goes.
      trim: db.prepare('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE queue = ? AND id < ? ORDER BY id LIMIT ?)'),
      // From the row holding event `after` (the newest row starting at or before it), in id order.
      readQueue: db.prepare<[string, string, number, number], EventBatchRow>(
        `SELECT ${EVENT_BATCH_COLUMNS} FROM events
         WHERE queue = ? AND id >= coalesce((SELECT max(id) FROM events WHERE queue = ? AND id <= ?), 0) ORDER BY id LIMIT ?`,
      ),
      readAll: db.prepare<[number, number], EventBatchRow>(
        `SELECT ${EVENT_BATCH_COLUMNS} FROM events
         WHERE id >= coalesce((SELECT max(id) FROM events WHERE id <= ?), 0) ORDER BY id LIMIT ?`,
      ),
      latestQueue: db
        .prepare<[string], number>('SELECT id + count - 1 FROM events WHERE queue = ? ORDER BY id DESC LIMIT 1')
        .pluck(),
      latestAll: db.prepare<[], number>('SELECT id + count - 1 FROM events ORDER BY id DESC LIMIT 1').pluck(),
      // Every row of the queue (about maxLen events), filtered on jobId as they are decoded.
      forJob: db.prepare<[string], EventBatchRow>(`SELECT ${EVENT_BATCH_COLUMNS} FROM events WHERE queue = ? ORDER BY id`),
    };
  }

  publish(event: QueueEventRecord): void {
    if (this.closed) return;
    // A literal, not `{ ...event, timestamp }`: the spread was ~6 % of W2 (addBulk: two events per job).
    this.buffer.push({ queue: event.queue, event: event.event, args: event.args, timestamp: this.clock.now() });
    // A loop of addBulk() calls awaited without a turn in between buffered every event of every batch
    // (W2: 200 000, one JSON string of ~20 MB): written in bounded batches instead (listeners still
    // get them at the end of the turn).
    if (this.buffer.length >= MAX_BUFFERED && !this.db.inTransaction) this.writeBuffered();
    else if (this.buffer.length >= WRITE_SOON_BUFFERED && !this.writeSoon) {
      this.writeSoon = true;
      queueMicrotask(() => this.writeIfStillBuffered());
    }
    // Events published inside a write transaction are stored by its commit (beforeCommit); the others by
    // the next write transaction of this engine or, at the latest, by one of their own at the end of the turn.
    this.flushTimer ??= setImmediate(() => this.flushNow());
  }

  subscribe(queue: string, listener: QueueEventListener): () => void {
    return this.listeners.subscribe(queue, listener);
  }

  subscribeAll(listener: QueueEventListener): () => void {
    return this.listeners.subscribeAll(listener);
  }

  async read(queue: string | null, afterId: string, limit: number): Promise<StoredQueueEvent[]> {
    const after = Number(afterId);
    // Up to limit + 1 rows (the first may hold only events at or before `after`), iterated: a row holds up
    // to maxLen/10 events, and expandBatches stops reading once it has `limit` of them.
    const rows = queue === null ? this.s.readAll.iterate(after, limit + 1) : this.s.readQueue.iterate(queue, queue, after, limit + 1);
    return expandBatches(rows, this.codec, after, limit);
  }

  async latestId(queue: string | null): Promise<string> {
    const id = queue === null ? this.s.latestAll.get() : this.s.latestQueue.get(queue);
    return String(id ?? 0);
  }

  async forJob(queue: string, jobId: string): Promise<StoredQueueEvent[]> {
    return expandBatches(this.s.forJob.all(queue), this.codec, 0, undefined, (id) => id === jobId);
  }

  async flush(): Promise<void> {
    this.commitHeld();
    this.flushNow();
  }

  /** Writes what is buffered (the engine calls this before closing the file) and stops. */
  close(): void {
    this.commitHeld();
    this.flushNow();
    this.closed = true;
    this.leaveTransactions();
  }

  begin(): void {
    this.mark = this.buffer.length;
  }

  beforeCommit(): void {
    if (this.buffer.length === 0 || this.closed) return;
    // Events published before this transaction wait for the end-of-turn flush (many adds in a turn share
    // one insert), and so do this transaction's own, so the stream keeps the order they were published in.
    if (this.mark > 0 && !this.flushing) return;
    this.inFlight = this.buffer;
    this.buffer = [];
    try {
      this.stored = this.write(this.inFlight);
    } catch (error) {
      // The events must not undo the job step they ride with.
      this.logger.error('queue events could not be stored; delivered to this process only', { error: String(error) });
      this.stored = this.inFlight.map((e) => ({ queue: e.queue, event: e.event, args: e.args, id: '0' }));
    }
  }

  afterCommit(): void {
    const stored = this.stored;
    this.inFlight = [];
    this.stored = [];
    // Only events someone here listens to wait for the end of the turn. A loop of awaited add() or addBulk()
    // calls never ends its turn: W2 kept all of its 200 000 events (~20 MB at 100 000 jobs) until it returned.
    for (const event of stored) if (this.listeners.wants(event.queue)) this.toDeliver.push(event);
    // Delivered at the end of the turn, when events this commit left buffered (published before a held
    // transaction began) are written too.
    if (stored.length > 0 || this.buffer.length > 0) this.flushTimer ??= setImmediate(() => this.flushNow());
  }

  afterRollback(): void {
    // Events the failed unit of work published describe changes that did not happen: dropped.
    if (this.inFlight.length > 0) this.buffer = this.inFlight.slice(0, this.mark).concat(this.buffer);
    else this.buffer.length = Math.min(this.buffer.length, this.mark);
    this.inFlight = [];
    this.stored = [];
    this.mark = 0;
    this.trimWindow.reset();
  }

  private flushNow(): void {
    if (this.flushTimer !== undefined) {
      clearImmediate(this.flushTimer as NodeJS.Immediate);
      clearTimeout(this.flushTimer as NodeJS.Timeout);
      this.flushTimer = undefined;
    }
    // While a worker's steps are held open (group commit), their commit stores the buffer.
    if (this.buffer.length > 0 && !this.closed && HeldTransaction.of(this.db) === undefined) this.writeBuffered();
    const stored = this.toDeliver;
    this.toDeliver = [];
    for (const event of stored) this.listeners.deliver(event);
  }

  /** WRITE_SOON_BUFFERED: what a publishing loop left, unless an open transaction (a held one too) will store it. */
  private writeIfStillBuffered(): void {
    this.writeSoon = false;
    if (this.closed || this.buffer.length < WRITE_SOON_BUFFERED || this.db.inTransaction) return;
    this.writeBuffered();
  }

  private writeBuffered(): void {
    // The engine closed the file under us (publishes racing engine.close()): nothing left to write to.
    if (!this.db.open) return void (this.buffer = []);
    this.flushing = true;
    try {
      this.tx.writeSync(() => undefined); // beforeCommit writes the buffer
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        // Another process held the lock past busy_timeout: the events are back in the buffer, in order.
        this.flushTimer = setTimeout(() => this.flushNow(), BUSY_RETRY_MS);
        return;
      }
      this.logger.error('queue events could not be stored; delivered to this process only', { error: String(error) });
      for (const e of this.buffer) this.toDeliver.push({ queue: e.queue, event: e.event, args: e.args, id: '0' });
      this.buffer = [];
    } finally {
      this.flushing = false;
    }
  }

  private commitHeld(): void {
    if (this.db.open) HeldTransaction.commitIfOpen(this.db);
  }

  /**
   * Stores `batch` (inside the caller's write transaction): one row per run of one queue's events. Returns
   * the stored records of the events this engine's listeners want.
   */
  private write(batch: readonly TimedEvent[]): Required<QueueEventRecord>[] {
    let next = this.s.nextId.get() ?? 1;
    const result: Required<QueueEventRecord>[] = [];
    for (let start = 0; start < batch.length; ) {
      const queue = batch[start].queue;
      let end = start + 1;
      // At most trimEvery events per row, so trimming whole rows keeps fewer than maxLen + trimEvery.
      while (end < batch.length && batch[end].queue === queue && end - start < this.trimEvery) end++;
      const run = start === 0 && end === batch.length ? batch : batch.slice(start, end);
      this.s.insert.run(next, queue, run.length, encodeBatch(run, this.codec));
      // Records only for queues someone here listens to (afterCommit delivers nothing else): W2 has none.
      if (this.listeners.wants(queue)) for (let i = 0; i < run.length; i++) result.push({ queue, event: run[i].event, args: run[i].args, id: String(next + i) });
      next += run.length;
      this.sinceTrim.set(queue, (this.sinceTrim.get(queue) ?? 0) + run.length);
      start = end;
    }
    for (const [queue, count] of this.sinceTrim) {
      if (count < this.trimEvery) continue;
      this.sinceTrim.set(queue, 0);
      const cutoff = this.trimWindow.cutoff(queue);
      if (cutoff !== undefined) this.s.trim.run(queue, cutoff, 4 * count);
    }
    return result;
  }
}
