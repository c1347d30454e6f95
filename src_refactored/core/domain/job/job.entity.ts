import type { JobState } from './job-state.js';
import { assertTransition, canTransition } from './job-transitions.js';
import { decideAfterFailure, type FailureOutcome } from './retry-policy.js';

export interface JobSnapshot {
  queue: string;
  id: string;
  state: JobState;
  priority: number;
  attemptsMade: number;
  maxAttempts: number;
}

/**
 * The Job entity: identity, state and the rules for moving between states. It holds no I/O and reads no
 * clock. The repository performs each transition atomically in SQL (conditional on the state the entity
 * approved), so a concurrent change elsewhere makes the SQL a no-op instead of corrupting the job.
 */
export class Job {
  private constructor(private snapshot: JobSnapshot) {}

  static restore(snapshot: JobSnapshot): Job {
    return new Job({ ...snapshot });
  }

  get state(): JobState {
    return this.snapshot.state;
  }

  get id(): string {
    return this.snapshot.id;
  }

  can(to: JobState): boolean {
    return canTransition(this.snapshot.state, to);
  }

  transitionTo(to: JobState): this {
    assertTransition(this.snapshot.state, to);
    this.snapshot = { ...this.snapshot, state: to };
    return this;
  }

  afterFailure(input: { unrecoverable: boolean; backoffDelay: number | undefined; now: number }): FailureOutcome {
    return decideAfterFailure({
      attemptsMade: this.snapshot.attemptsMade,
      maxAttempts: this.snapshot.maxAttempts,
      ...input,
    });
  }
}
