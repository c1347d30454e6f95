/** Engine-wide timing settings, fixed at `createQueueEngine`. */
export interface EngineSettings {
  /** Idle workers and the scheduler re-read the clock and re-check due work at least this often (ms). */
  idleCheckInterval: number;
  /** How often idle workers look at the cross-process change counter (ms). */
  changePollInterval: number;
}

export const ENGINE_SETTINGS = Symbol.for('bullite.EngineSettings');
