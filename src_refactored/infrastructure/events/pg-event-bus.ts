import type { Clock } from '../../core/application/ports/clock.port.js';
import type { EventBus, QueueEventListener, QueueEventRecord } from '../../core/application/ports/event-bus.port.js';
import type { EventStream, StoredQueueEvent } from '../../core/application/ports/event-stream.port.js';
import type { Logger } from '../../core/application/ports/logger.port.js';
import type { PgStore } from '../persistence/postgres/pg-store.js';
import type { PgExecutor } from '../persistence/postgres/pg-connection.js';
import { pgSql } from '../persistence/postgres/pg-statement.js';
import { LocalListeners } from './local-listeners.js';
import { DEFAULT_EVENTS_MAX_LEN, EVENT_COLUMNS, MAX_BUFFERED, toStored, type EventRow } from './stored-event.mapper.js';
import { plainCodec, type PayloadCodec } from '../persistence/codec/payload-codec.js';

/**
 * Serialises event inserts across every process on the database: a sequence hands out ids at insert, not at
 * commit, so without it a transaction holding id 7 could commit after one holding id 8, and a reader that saw
 * 8 would resume after 8 and never see 7. Under this lock (held to commit) ids become visible in order.
 * Any constant works, the same in every process; distinct from the migration lock ('bull').
 */
const EVENTS_LOCK = 0x62657673; // 'bevs'

type Pending = QueueEventRecord & { timestamp: number };

/**
 * The durable event stream on the PostgreSQL `events` table, the twin of SqliteEventBus. `publish` only
 * buffers. Events published inside a write transaction (a worker's settle-and-claim) are written by that
 * transaction's beforeCommit, so a job step stays one commit; events published outside one, with any still
 * buffered, go with the next write transaction of this engine or, at the latest, with one of their own at the
 * end of the turn. Unlike SQLite, several transactions of one engine run at once, so events are kept per
 * transaction (the executor the transactor hands out is the key). This engine's listeners get each event
 * after its commit with its durable id; other processes read the table, woken by the change feed.
 *
 * Trimming: as on SQLite, once every `trimEvery` inserts of a queue, deleting at most 4× the events inserted
 * since, so its cost per event stays bounded whatever the table's size.
 */
export class PgEventBus implements EventBus, EventStream {
  private readonly listeners = new LocalListeners();
  private buffer: Pending[] = [];
  /** Events published inside each open write transaction (its executor is the key). */
  private readonly byTx = new Map<PgExecutor, Pending[]>();
  /** Stored by each transaction's beforeCommit, delivered when it commits. */
  private readonly stored = new Map<PgExecutor, Required<QueueEventRecord>[]>();
  /** A unit of work's events left for the buffer's writes (older events were pending), buffered at its commit. */
  private readonly deferred = new Map<PgExecutor, Pending[]>();
  /** The buffer's own transactions, one after the other so that their events keep publish order. */
  private readonly batchTx = new WeakSet<PgExecutor>();
  private chain: Promise<void> = Promise.resolve();
  private batchesInFlight = 0;
  /** Transactions already ended: a late continuation of one still sees it as its context. */
  private readonly ended = new WeakSet<PgExecutor>();
  private toDeliver: Required<QueueEventRecord>[] = [];
  private turnEnd: NodeJS.Immediate | undefined;
  private readonly sinceTrim = new Map<string, number>();
  private readonly trimEvery: number;
  private readonly leaveTransactions: () => void;
  private closed = false;
  private readonly s;

  constructor(
    private readonly store: PgStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly maxLen: number = DEFAULT_EVENTS_MAX_LEN,
    private readonly codec: PayloadCodec = plainCodec,
  ) {
    this.trimEvery = Math.max(1, Math.min(1000, Math.ceil(maxLen / 10)));
    this.leaveTransactions = store.tx.join({
      beforeCommit: (tx) => this.beforeCommit(tx),
      afterCommit: (tx) => this.afterCommit(tx),
      afterRollback: (tx) => this.afterRollback(tx),
    });
    this.s = {
      lock: pgSql('SELECT pg_advisory_xact_lock(@key)'),
      // The whole batch in ONE statement (one round trip); ORDER BY ordinality makes nextval follow the
      // batch order, and under EVENTS_LOCK the ids are consecutive.
      insertBatch: pgSql<{ id: number }>(
        `INSERT INTO events (queue, event, job_id, payload, timestamp)
         SELECT q, e, j, p, t FROM unnest(@queues::text[], @events::text[], @jobIds::text[], @payloads::text[], @times::bigint[])
           WITH ORDINALITY AS b(q, e, j, p, t, n) ORDER BY n
         RETURNING id`,
      ),
      // The id of the newest event beyond maxLen: walks events_queue backwards maxLen steps.
      cutoff: pgSql<{ id: number }>('SELECT id FROM events WHERE queue = @queue ORDER BY id DESC LIMIT 1 OFFSET @offset'),
      trim: pgSql('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE queue = @queue AND id <= @cutoff ORDER BY id LIMIT @n)'),
      readQueue: pgSql<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE queue = @queue AND id > @after ORDER BY id LIMIT @limit`),
      readAll: pgSql<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE id > @after ORDER BY id LIMIT @limit`),
      latestQueue: pgSql<{ id: number | null }>('SELECT max(id) AS id FROM events WHERE queue = @queue'),
      latestAll: pgSql<{ id: number | null }>('SELECT max(id) AS id FROM events'),
      forJob: pgSql<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE queue = @queue AND job_id = @jobId ORDER BY id`),
    };
  }

  publish(event: QueueEventRecord): void {
    if (this.closed) return;
    const pending = { ...event, timestamp: this.clock.now() };
    const tx = this.store.tx.inTransaction ? this.store.tx.ex : undefined;
    if (tx !== undefined && !this.ended.has(tx)) {
      const list = this.byTx.get(tx) ?? [];
      list.push(pending);
      this.byTx.set(tx, list);
      return;
    }
    this.buffer.push(pending);
    // A loop of addBulk() calls awaited without a turn in between would buffer every event: written in
    // bounded batches instead.
    if (this.buffer.length >= MAX_BUFFERED) this.writeBuffered();
    this.turnEnd ??= setImmediate(() => this.endOfTurn());
  }

  subscribe(queue: string, listener: QueueEventListener): () => void {
    return this.listeners.subscribe(queue, listener);
  }

  subscribeAll(listener: QueueEventListener): () => void {
    return this.listeners.subscribeAll(listener);
  }

  async read(queue: string | null, afterId: string, limit: number): Promise<StoredQueueEvent[]> {
    const after = Number(afterId);
    const rows = await this.store.tx.read(() =>
      queue === null ? this.s.readAll.all(this.store.tx.ex, { after, limit }) : this.s.readQueue.all(this.store.tx.ex, { queue, after, limit }),
    );
    return rows.map((row) => toStored(row, this.codec));
  }

  async latestId(queue: string | null): Promise<string> {
    const row = await this.store.tx.read(() =>
      queue === null ? this.s.latestAll.get(this.store.tx.ex) : this.s.latestQueue.get(this.store.tx.ex, { queue }),
    );
    return String(row?.id ?? 0);
  }

  async forJob(queue: string, jobId: string): Promise<StoredQueueEvent[]> {
    const rows = await this.store.tx.read(() => this.s.forJob.all(this.store.tx.ex, { queue, jobId }));
    return rows.map((row) => toStored(row, this.codec));
  }

  /** Writes what is buffered and waits for the writes already under way; delivers to this engine's listeners. */
  async flush(): Promise<void> {
    if (this.buffer.length > 0 && !this.closed) this.writeBuffered();
    await this.chain;
    this.deliver();
  }

  /** Writes what is buffered (the engine calls this before closing the store) and stops. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.turnEnd !== undefined) clearImmediate(this.turnEnd);
    this.turnEnd = undefined;
    this.leaveTransactions();
  }

  /**
   * A unit of work's own events are written by its commit when nothing older of this engine is waiting;
   * otherwise (events buffered or a buffer write under way) they join the buffer at its commit, so the
   * stream keeps publish order (as on SQLite, where they wait for the end-of-turn flush).
   */
  private async beforeCommit(tx: PgExecutor): Promise<void> {
    const own = this.byTx.get(tx);
    this.byTx.delete(tx);
    if (own === undefined || own.length === 0) return;
    if (!this.batchTx.has(tx) && (this.buffer.length > 0 || this.batchesInFlight > 0)) return void this.deferred.set(tx, own);
    this.stored.set(tx, await this.write(tx, own));
  }

  private afterCommit(tx: PgExecutor | undefined): void {
    if (tx === undefined) return;
    this.ended.add(tx);
    const stored = this.stored.get(tx);
    this.stored.delete(tx);
    if (stored !== undefined) this.toDeliver.push(...stored);
    // Deferred, or published after this transaction's beforeCommit (a stray continuation): buffered.
    for (const map of [this.deferred, this.byTx]) {
      const events = map.get(tx);
      map.delete(tx);
      if (events !== undefined) this.buffer.push(...events);
    }
    if (this.toDeliver.length > 0 || this.buffer.length > 0) this.turnEnd ??= setImmediate(() => this.endOfTurn());
  }

  /** Events the failed unit of work published describe changes that did not happen: dropped (a retry publishes them again). */
  private afterRollback(tx: PgExecutor | undefined): void {
    if (tx === undefined) return;
    this.ended.add(tx);
    this.byTx.delete(tx);
    this.stored.delete(tx);
    this.deferred.delete(tx);
  }

  private endOfTurn(): void {
    this.turnEnd = undefined;
    if (this.buffer.length > 0 && !this.closed) this.writeBuffered();
    this.deliver();
  }

  private deliver(): void {
    const stored = this.toDeliver;
    this.toDeliver = [];
    for (const event of stored) this.listeners.deliver(event);
  }

  /**
   * Takes the buffer now (bounded batches) into a transaction of its own, whose beforeCommit writes it as
   * if its unit of work had published it (a retried transaction adopts it again). Chained: a batch starts
   * when the previous one has committed, so batches get ids in the order their events were published.
   */
  private writeBuffered(): void {
    const batch = this.buffer;
    this.buffer = [];
    this.batchesInFlight += 1;
    const adopt = async () => {
      const tx = this.store.tx.ex;
      this.batchTx.add(tx);
      this.byTx.set(tx, batch);
    };
    this.chain = this.chain
      .then(() => this.store.tx.write(adopt))
      .catch((error: unknown) => {
        if (this.closed) return;
        this.logger.error('queue events could not be stored; delivered to this process only', { error: String(error) });
        for (const e of batch) this.toDeliver.push({ queue: e.queue, event: e.event, args: e.args, id: '0' });
        this.turnEnd ??= setImmediate(() => this.endOfTurn());
      })
      .finally(() => {
        this.batchesInFlight -= 1;
      });
  }

  private async write(tx: PgExecutor, batch: readonly Pending[]): Promise<Required<QueueEventRecord>[]> {
    const columns = { queues: [] as string[], events: [] as string[], jobIds: [] as (string | null)[], payloads: [] as string[], times: [] as number[] };
    for (const event of batch) {
      const { jobId, ...payload } = event.args;
      this.sinceTrim.set(event.queue, (this.sinceTrim.get(event.queue) ?? 0) + 1);
      columns.queues.push(event.queue);
      columns.events.push(event.event);
      columns.jobIds.push(jobId ?? null);
      columns.payloads.push(this.codec.encode('returnvalue', JSON.stringify(payload)));
      columns.times.push(event.timestamp);
    }
    await this.s.lock.run(tx, { key: EVENTS_LOCK });
    const ids = (await this.s.insertBatch.all(tx, columns)).map((row) => row.id).sort((a, b) => a - b);
    const result = batch.map((event, i) => ({ queue: event.queue, event: event.event, args: event.args, id: String(ids[i]) }));
    for (const [queue, count] of this.sinceTrim) {
      if (count < this.trimEvery) continue;
      this.sinceTrim.set(queue, 0);
      const cutoff = await this.s.cutoff.get(tx, { queue, offset: this.maxLen });
      if (cutoff !== undefined) await this.s.trim.run(tx, { queue, cutoff: cutoff.id, n: 4 * count });
    }
    return result;
  }
}
