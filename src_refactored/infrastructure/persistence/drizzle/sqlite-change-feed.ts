import { watch, type FSWatcher } from 'node:fs';
import type { ChangeFeed } from '../../../core/application/ports/change-feed.port.js';
import type { SqliteDb } from './sqlite-database.js';
import { joinTransactions, type TransactionParticipant } from './transaction-participants.js';

/**
 * While the WAL file is watched, `PRAGMA data_version` is still read at least this often: a safety net
 * for a file system whose change notifications are late or lost (network mounts). 4 wake-ups a second.
 */
const WATCHED_POLL_MS = 250;
/**
 * The watch is put back once this process has not committed for this long. Its own commits touch the WAL
 * too, and a watch seeing every one of them cost W3 (one commit per job) +44 µs CPU per job (409 against
 * 365, paired runs): inotify work in every write() and a callback per turn. So while this process writes
 * (busy, it needs no fast wake-up) the feed polls, and at the first poll 10 ms after its last commit it
 * watches again: with 100 ms, a worker that had just completed a job was still polling when the next one
 * came (W5x p50 11 ms). Checked in the poll, not by a timer of its own: a 10 ms re-arm timer measured
 * +25 µs CPU per W3 job.
 */
const QUIET_MS = 10;

/**
 * Cross-process wake-up: `PRAGMA data_version` changes when another connection commits to the file
 * (our own commits do not change it), and every commit appends to the `-wal` file. The feed watches that
 * file (inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows) and reads data_version
 * when it changes, so another process's commit wakes this one within about a millisecond, and an idle
 * engine does not wake 50 times a second: polling every 20 ms cost an idle worker 1.3 % of a core
 * (bench IDLE), most of it the timer wake-ups themselves. Without a watch (':memory:' has no other
 * connections; a watch that fails) it polls every `changePollInterval` as before; with one, every
 * max(changePollInterval, 250 ms). While this process itself commits it polls instead (QUIET_MS).
 */
export class SqliteChangeFeed implements ChangeFeed, TransactionParticipant {
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private lastVersion: number;
  private lastOwnCommit = 0;
  /** False once a watch could not be set up (no WAL, no watch on this file system): poll only. */
  private canWatch: boolean;
  private readonly versionStmt;
  private readonly leaveTransactions: () => void;

  constructor(
    private readonly db: SqliteDb,
    private readonly intervalMs: number,
  ) {
    this.versionStmt = db.prepare('PRAGMA data_version').pluck();
    this.lastVersion = this.version();
    this.canWatch = !db.memory;
    this.leaveTransactions = joinTransactions(db, this);
  }

  afterCommit(): void {
    this.lastOwnCommit = performance.now();
    if (this.watcher !== undefined) this.pollOnly();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.timer === undefined) {
      this.start();
      queueMicrotask(() => this.poll()); // what changed since the feed was made (not inside subscribe)
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  close(): void {
    this.listeners.clear();
    this.stop();
    this.leaveTransactions();
  }

  private start(): void {
    this.watcher = this.watchWal();
    this.startTimer(this.watcher === undefined ? this.intervalMs : Math.max(this.intervalMs, WATCHED_POLL_MS));
  }

  /** While this process writes: no watch, a poll every `changePollInterval`, the watch back when quiet. */
  private pollOnly(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer !== undefined) this.startTimer(this.intervalMs);
  }

  private startTimer(everyMs: number): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = setInterval(() => this.poll(), everyMs).unref();
  }

  private watchWal(): FSWatcher | undefined {
    if (!this.canWatch) return undefined;
    try {
      const watcher = watch(`${this.db.name}-wal`, { persistent: false }, () => this.poll());
      // The WAL was deleted or replaced under us: back to polling (and to a new watch once quiet).
      watcher.on('error', () => this.pollOnly());
      return watcher;
    } catch {
      this.canWatch = false; // no WAL file, or no watch on this file system
      return undefined;
    }
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private version(): number {
    return this.versionStmt.get() as number;
  }

  private poll(): void {
    // Quiet again: watch. The read below still sees a commit of another process made after the previous
    // poll and before the watch began (without it: W5x p99 243 ms, the next 250 ms poll).
    if (this.canWatch && this.watcher === undefined && this.timer !== undefined && performance.now() - this.lastOwnCommit >= QUIET_MS) {
      this.start();
    }
    let current: number;
    try {
      current = this.version();
    } catch {
      return; // closed database: the engine is shutting down
    }
    if (current === this.lastVersion) return;
    this.lastVersion = current;
    for (const listener of [...this.listeners]) listener();
  }
}
