/** Jobs a worker settles one commit at a time after it starts, before its steps are group-committed. */
const WARMUP_SETTLES = 64;
/**
 * Only steps settling jobs that ran shorter than this (wall ms) are held. A held step's claims start
 * before its commit, and a processor that computes without awaiting would keep the write lock from other
 * processes meanwhile; a job of a millisecond or more also makes a commit (~70 µs) a small share of it.
 */
const QUICK_JOB_MS = 1;

/**
 * A worker's side of group commit (the store may hold a step's transaction open for the next steps,
 * `IJobRepository.settle(…, continues)`): which steps may be held, and running what must wait for a
 * step's commit. The jobs a held step claims start before that commit, and a crash rolls the held
 * steps back (their jobs run again). The first WARMUP_SETTLES jobs after a (re)start are committed
 * step by step, so a job that crashes the process every time it runs is recorded as active first and
 * fails as stalled past maxStalledCount, instead of a crash loop that rolls its claim back each time
 * and counts its predecessor's lost completion as a stall. And only runs of quick jobs are held
 * (QUICK_JOB_MS): that is where a commit per step costs most, and where no processor keeps the lock long.
 */
export class StepCommits {
  private settled = 0;
  /** The commit the latest held step rides on. */
  private latest: Promise<void> | undefined;

  constructor(private readonly reportError: (error: unknown) => void) {}

  /** Whether a step settling `jobs` (each with its run's wall ms) may be held (a claim-only step commits at once). */
  mayHold(jobs: readonly { runMs: number }[]): boolean {
    this.settled += jobs.length;
    return jobs.length > 0 && this.settled > WARMUP_SETTLES && jobs.every((job) => job.runMs < QUICK_JOB_MS);
  }

  /**
   * Runs `then` once the step is committed: now, or with the held steps it joined (`durable`). When
   * they were rolled back (a failed commit), the failure is reported once and `rolledBack` runs instead.
   */
  whenCommitted(durable: Promise<void> | undefined, then: () => void, rolledBack: () => void): void {
    if (durable === undefined) return then();
    if (durable !== this.latest) {
      this.latest = durable;
      durable.catch((error) => this.reportError(error));
    }
    durable.then(then, rolledBack);
  }

  /** Resolves once the latest held step is committed or rolled back (a closing worker waits for it). */
  async settledAll(): Promise<void> {
    await this.latest?.catch(() => undefined);
  }
}
