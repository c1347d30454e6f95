/**
 * How long, per event-loop turn, a worker's pumps may follow each other in microtasks (real time: it paces
 * the event loop, it does not schedule jobs). At ~60 µs a W3 step that is ~16 steps per turn; a process's
 * timers and I/O wait at most this plus one job's synchronous work.
 */
export const CHAIN_BUDGET_MS = 1;

/**
 * When a worker's next pump runs. On setImmediate by default, so the completions of one event-loop turn
 * share a step (W4's batches of 16). When nothing else can join the step (the worker has no job running:
 * concurrency 1, or the last of a batch), waiting for the next turn only costs the turn itself: libuv's
 * poll and the immediate queue, ~6 % of W3's CPU profile. The pump then runs in a microtask instead,
 * chained for at most CHAIN_BUDGET_MS after the turn's first pump, so a worker draining quick jobs still
 * lets the rest of the process run every millisecond.
 */
export class PumpSchedule {
  private scheduled = false;
  /** performance.now() when the pump that began this turn's chain ran (-Infinity: no chain). */
  private chainStartedAt = -Infinity;

  constructor(private readonly pump: () => void) {}

  /** A pump is scheduled and has not run yet. */
  get pending(): boolean {
    return this.scheduled;
  }

  /** Schedules one pump; `alone`: no running job can complete into the step before the next turn. */
  schedule(alone: boolean): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (alone && performance.now() - this.chainStartedAt < CHAIN_BUDGET_MS) queueMicrotask(this.inChain);
    else setImmediate(this.onTurn);
  }

  private readonly onTurn = (): void => {
    this.chainStartedAt = performance.now();
    this.run();
  };

  private readonly inChain = (): void => this.run();

  private run(): void {
    this.scheduled = false;
    this.pump();
  }
}
