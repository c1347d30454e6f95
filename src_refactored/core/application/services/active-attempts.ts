/** Where an attempt sits in its worker's ActiveAttempts (set by `add`). */
export interface Slotted {
  slot: number;
}

/**
 * The attempts one worker is running, by job id: a list in which each attempt knows its index, not a Map.
 *
 * Why: a worker adds and removes one entry per job, and V8's Map (and Set) rehashes into a new hash
 * table every few dozen such changes, leaving in the old table a pointer to the new one (for live
 * iterators) and the entries the old table held. Once one old table has been promoted to the old
 * generation, the young-generation collector keeps its successor alive through that pointer, so every
 * later table is promoted too, with the attempts (job records, Job objects, promises) it held, until the
 * next full collection. Measured per 20 000 jobs (bytes promoted during a bundled drain, `node
 * --trace-gc-nvp`): at concurrency 16, 22.8 MB with a Map here, 1.6-3.5 MB in most runs with this list;
 * at concurrency 1, 14 MB with Maps and Sets of running jobs, 4.5 MB without. In isolation (16 live
 * entries of 1 KB, 400 000 set/delete pairs, tests/unit/active-attempts.test.ts): 12-26 MB for a Map,
 * 6.4 MB for this list, 6.5 MB for the loop with no collection at all.
 *
 * Lookups by id (a cancel, a timeout) scan at most `concurrency` entries; they are rare next to add and
 * delete.
 */
export class ActiveAttempts<V extends { readonly record: { readonly id: string } }> {
  private readonly list: (V & Slotted)[] = [];

  get size(): number {
    return this.list.length;
  }

  /**
   * The running attempt of job `id`, the latest started if there are two: a job whose lock this worker
   * lost can be claimed again by it while the first attempt's processor still runs.
   */
  get(id: string): V | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i].record.id === id) return this.list[i];
    return undefined;
  }

  /** In the order they started. A copy: aborting an attempt may remove it while the caller goes through them. */
  values(): V[] {
    return this.list.slice();
  }

  add(attempt: V & Slotted): void {
    attempt.slot = this.list.length;
    this.list.push(attempt);
  }

  /**
   * Removes this attempt (not merely one of its job id); a second call does nothing. The later ones move
   * up one slot, so the list stays in start order (at most `concurrency` of them, most often none: the
   * oldest attempt tends to end first).
   */
  delete(attempt: V & Slotted): void {
    const at = attempt.slot;
    if (this.list[at] !== attempt) return;
    for (let i = at; i < this.list.length - 1; i++) {
      this.list[i] = this.list[i + 1];
      this.list[i].slot = i;
    }
    this.list.pop();
  }
}
