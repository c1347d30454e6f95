/**
 * How long a worker waits before touching the store again after a failed write (disk full, file gone,
 * write lock held by another process): doubling from `baseMs` up to `capMs`, reset by the next success.
 * Without it an idle worker would retry (and report an error) every idle check, a crash-loop in all but
 * name. Real time (performance.now), not the Clock: it paces retries, it does not schedule jobs.
 */
export class StoreBackoff {
  private failures = 0;
  private until = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly baseMs = 50,
    private readonly capMs = 5_000,
  ) {}

  get blocked(): boolean {
    return this.failures > 0 && performance.now() < this.until;
  }

  /** Records a failure and calls `retry` once the pause is over. */
  failed(retry: () => void): void {
    const delay = Math.min(this.capMs, this.baseMs * 2 ** this.failures);
    this.failures += 1;
    this.until = performance.now() + delay;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(retry, delay);
  }

  succeeded(): void {
    this.failures = 0;
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
