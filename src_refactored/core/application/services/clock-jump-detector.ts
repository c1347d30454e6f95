import type { Clock } from '../ports/clock.port.js';

/**
 * Notices when the Clock moved further than real time did (sleep/resume, a manual or NTP change) by
 * comparing it with the monotonic clock between two calls. After such a forward jump every lock in the
 * file looks expired, including those of live workers in other processes that have not yet seen the
 * jump. Stalled recovery therefore holds off for `holdMs` of real time: each live process renews its
 * locks within one idle check of seeing the new time, and only the truly dead ones stay expired.
 */
export class ClockJumpDetector {
  private lastWall: number | undefined;
  private lastMono = 0;
  private holdUntil = 0;

  constructor(
    private readonly clock: Clock,
    /** Forward drift (ms) beyond which a change counts as a jump; timer lateness shows in both clocks. */
    private readonly toleranceMs: number,
    private readonly holdMs: number,
  ) {}

  /** Call once per sweep; true while stalled recovery should wait. */
  holding(): boolean {
    const wall = this.clock.now();
    const mono = performance.now();
    if (this.lastWall !== undefined && wall - this.lastWall - (mono - this.lastMono) > this.toleranceMs) {
      this.holdUntil = mono + this.holdMs;
    }
    this.lastWall = wall;
    this.lastMono = mono;
    return mono < this.holdUntil;
  }
}
