import { randomUUID } from 'node:crypto';
import type { ChangeFeed } from '../../../core/application/ports/change-feed.port.js';
import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';

/**
 * The safety-net poll runs at least this many ms apart: LISTEN/NOTIFY is the wake-up, the poll only covers
 * notifications lost while the listen connection was down and not yet noticed (a half-open TCP connection
 * can look alive for minutes). 50 tiny reads a second per engine against a shared server would be waste.
 */
const MIN_POLL_MS = 250;

/**
 * Cross-process wake-up on PostgreSQL. Every write transaction of this store NOTIFYs the channel
 * `bullite_<schema>` in its beforeCommit (PostgreSQL delivers it at commit, once per transaction, and
 * channels are per database, hence the schema in the name). The payload is this feed's id, so that, as
 * with SQLite's data_version, this engine's own commits do not wake its own listeners (it wakes those in
 * process already).
 *
 * Fallback: when the listen connection was lost and is back (`onReconnect`), listeners fire once, since
 * notifications may have been missed. And a poll every max(interval, 250 ms) reads the events sequence
 * (one row, no table scan): if it moved while no notification at all (ours or others') arrived, the
 * notifications are being lost, and listeners fire. Nearly every write that gives workers something to do
 * (add, retry, promote, resume, a finished parent's child) publishes an event, so the sequence is a cheap
 * proxy; the engine's idle check covers the rest.
 */
export class PgChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<() => void>();
  private readonly id = randomUUID();
  private readonly channel: string;
  private readonly leaveTransactions: () => void;
  private unlisten: Promise<(() => Promise<void>) | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private notified = false;
  private lastSequence: number | undefined;
  private closed = false;
  private readonly s;

  constructor(
    private readonly store: PgStore,
    private readonly pollIntervalMs: number,
  ) {
    this.channel = `bullite_${store.schema}`;
    this.s = {
      notify: pgSql('SELECT pg_notify(@channel, @payload)'),
      // last_value moves with every event insert, committed or not (sequences are not transactional).
      sequence: pgSql<{ value: number }>('SELECT last_value AS value FROM events_id_seq'),
    };
    this.leaveTransactions = store.tx.join({
      beforeCommit: (tx) => this.s.notify.run(tx, { channel: this.channel, payload: this.id }),
      afterCommit: () => undefined,
      afterRollback: () => undefined,
    });
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Resolves once the LISTEN of the current subscription is in place (tests; a failed LISTEN resolves too). */
  async listening(): Promise<void> {
    await this.unlisten;
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.leaveTransactions();
    this.stop();
  }

  private start(): void {
    if (this.closed) return;
    this.unlisten ??= this.store.ready
      .then(() =>
        this.store.connection.listen(
          this.channel,
          (payload) => this.onNotify(payload),
          () => this.fire(),
        ),
      )
      .then((unlisten) => {
        // Closed or unsubscribed while connecting: stop listening at once.
        if (this.unlisten === undefined || this.closed) void unlisten();
        return unlisten;
      })
      .catch(() => undefined); // the poll still covers us; the engine reports an unusable store elsewhere
    this.timer ??= setInterval(() => void this.poll(), Math.max(MIN_POLL_MS, this.pollIntervalMs)).unref();
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    void unlisten?.then((off) => off?.()).catch(() => undefined);
  }

  private onNotify(payload: string): void {
    this.notified = true;
    if (payload !== this.id) this.fire();
  }

  private fire(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private async poll(): Promise<void> {
    let current: number;
    try {
      current = Number((await this.store.tx.read(() => this.s.sequence.get(this.store.tx.ex)))?.value ?? 0);
    } catch {
      return; // closed store: the engine is shutting down
    }
    const moved = this.lastSequence !== undefined && current !== this.lastSequence;
    this.lastSequence = current;
    const notified = this.notified;
    this.notified = false;
    if (moved && !notified && this.timer !== undefined) this.fire();
  }
}
