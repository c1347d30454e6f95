/** The engine's only source of "now" (epoch ms). Tests inject a fake one (DESIGN.md §3). */
export interface Clock {
  now(): number;
}

export const CLOCK = Symbol.for('bullite.Clock');
