import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDb } from './sqlite-database.js';
import { joinTransactions, type TransactionParticipant } from './transaction-participants.js';

/** Slots of the shared Int32Array: commits seen since start, the stop flag, checkpoints done. */
const COMMITS = 0;
const STOP = 1;
const DONE = 2;

/**
 * After a checkpoint the thread rests this long before the next one (unless stopped), so a burst of
 * commits is copied back in batches: at W1's ~8 000 commits/s of ~7 pages each that is ~1 400 pages per
 * checkpoint, about SQLite's own 1 000-page default, at most 40 checkpoints (80 fsyncs) a second.
 */
const REST_MS = 25;
/**
 * The event loop's connection still checkpoints by itself, but only past this many WAL frames (8 MB)
 * instead of SQLite's 1 000. SQLite writes the WAL from its start again only when a write begins after a
 * checkpoint that copied everything, and a checkpoint on another connection racing a busy writer rarely
 * does: with no checkpoint on the writer at all the WAL grew to 46 MB in 3 000 adds (measured), and a
 * RESTART from the thread starved waiting for the write lock. The writer's own checkpoint finds most
 * pages already copied by the thread, and keeps the WAL at about 8-12 MB.
 */
export const WRITER_CHECKPOINT_FRAMES = 2000;
/** Commits between wake-ups of the thread (see afterCommit). */
const WAKE_EVERY = 16;

/**
 * The thread's whole program, plain CommonJS run with `eval: true`: no file to locate, so it works the
 * same from the TypeScript sources (vitest, tsx), a bundle and the compiled package. It waits on the
 * commit counter (Atomics.wait: no CPU while nothing is written), checkpoints PASSIVE (never waits for
 * readers or writers: what it cannot copy now, the next round does) and rests.
 */
const THREAD_PROGRAM = `
const { statSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const signal = new Int32Array(workerData.signal);
// Still the file the engine opened? A file renamed over it shares the -wal and -shm names: checkpointing
// the engine's WAL into that file would corrupt both (the engine refuses to write there: sqlite-file-guard).
const inPlace = () => {
  const stat = statSync(workerData.path, { throwIfNoEntry: false });
  return stat !== undefined && stat.dev + ':' + stat.ino === workerData.identity;
};
if (inPlace()) {
  const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
  db.pragma('synchronous = ' + workerData.synchronous);
  db.pragma('wal_autocheckpoint = 0');
  let seen = 0;
  while (Atomics.load(signal, ${STOP}) === 0) {
    Atomics.wait(signal, ${COMMITS}, seen);
    if (Atomics.load(signal, ${STOP}) !== 0 || !inPlace()) break;
    seen = Atomics.load(signal, ${COMMITS});
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { /* SQLITE_BUSY: the next wake-up tries again */ }
    Atomics.add(signal, ${DONE}, 1);
    Atomics.wait(signal, ${STOP}, 0, ${REST_MS});
  }
  db.close();
}
`;

export interface CheckpointerOptions {
  /** The file the thread opens: the handle's own file unless given. */
  path?: string;
  durability?: 'normal' | 'full';
  busyTimeoutMs?: number;
}

/**
 * Copies most of the WAL back into the database file on a thread of its own, with its own connection.
 * SQLite's automatic checkpoint runs inside the commit that crosses its 1 000-page mark, on the event
 * loop, in the middle of some job's step (page copies and two fsyncs): W1 (add one at a time) measured
 * 6 200 jobs/s with it and 8 400 with no checkpoint at all, and it made the add→start latency tail.
 * The writer keeps a rarer checkpoint of its own (WRITER_CHECKPOINT_FRAMES) that bounds the WAL.
 *
 * Every write transaction on the handle bumps a shared counter (a participant's afterCommit, ~1 µs);
 * the thread wakes on it. If the thread cannot start or dies, the connection goes back to SQLite's
 * default automatic checkpoints.
 */
export class SqliteCheckpointer implements TransactionParticipant {
  private readonly signal = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private readonly leave: () => void;

  constructor(
    private readonly db: SqliteDb,
    options: CheckpointerOptions = {},
  ) {
    db.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_FRAMES}`);
    const path = options.path ?? db.name;
    const stat = statSync(path);
    this.worker = new Worker(THREAD_PROGRAM, {
      eval: true,
      // The program allocates almost nothing: a small heap cuts the thread's RSS from ~16 MB to ~8 MB
      // (measured). Running out of it ends the thread, and SQLite's own checkpoints take over (fallBack).
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path,
        identity: `${stat.dev}:${stat.ino}`,
        signal: this.signal.buffer,
        busyTimeoutMs: options.busyTimeoutMs ?? 5000,
        synchronous: options.durability === 'full' ? 'FULL' : 'NORMAL',
      },
    });
    // Neither an open engine nor its thread keeps the process alive (the engine's own timers are unref'd too).
    this.worker.unref();
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        // Gone before stop() (an error, or the file was replaced): SQLite's own checkpoints take over.
        if (Atomics.load(this.signal, STOP) === 0) this.fallBack();
        resolve();
      }),
    );
    this.worker.once('error', () => undefined); // reported by 'exit'
    this.leave = joinTransactions(db, this);
  }

  /** Checkpoints the thread has run (tests observe the WAL being copied back through it). */
  get checkpoints(): number {
    return Atomics.load(this.signal, DONE);
  }

  afterCommit(): void {
    // The thread is woken every WAKE_EVERY commits: a few commits' pages wait for the next round (or the
    // close), and sparse writes (one add, then its pick-up) do not each start two fsyncs.
    if ((Atomics.add(this.signal, COMMITS, 1) + 1) % WAKE_EVERY === 0) Atomics.notify(this.signal, COMMITS, 1);
  }

  /** Stops the thread (it finishes a checkpoint in progress) and closes its connection; before db.close(). */
  async stop(): Promise<void> {
    this.leave();
    // Held while it winds down: an unref'd thread's exit would not keep a closing process alive to see it.
    this.worker.ref();
    Atomics.store(this.signal, STOP, 1);
    Atomics.notify(this.signal, COMMITS, 1);
    Atomics.notify(this.signal, STOP, 1);
    await this.exited;
  }

  private fallBack(): void {
    this.leave();
    if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
  }
}
