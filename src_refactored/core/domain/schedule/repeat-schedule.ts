import { createRequire } from 'node:module';
import type { CronExpressionParser as Parser } from 'cron-parser';
import { ValidationError } from '../../../shared/bullite-error.js';

/**
 * cron-parser (with luxon) is loaded on the first cron pattern, not at import: it cost every process
 * ~8 MB of RSS (measured), and most never use a pattern. Its CommonJS build loads synchronously.
 */
let cronParser: typeof Parser | undefined;
function cron(): typeof Parser {
  cronParser ??= (createRequire(import.meta.url)('cron-parser') as { CronExpressionParser: typeof Parser }).CronExpressionParser;
  return cronParser;
}

/** A job scheduler's timing rule (BullMQ's RepeatOptions), times as epoch ms. */
export interface RepeatSpec {
  pattern?: string;
  every?: number;
  /** Slots of `every` are `offset + k·every`; defaults to startDate mod every (or 0). */
  offset?: number;
  tz?: string;
  limit?: number;
  startDate?: number;
  endDate?: number;
  immediately?: boolean;
}

function assertTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new ValidationError('repeat.tz', `Invalid time zone: ${tz}`);
  }
}

/** Throws a ValidationError, with BullMQ's message where it has one, for a rule that is not usable at `now`. */
export function validateRepeat(spec: RepeatSpec, now: number): void {
  if (spec.pattern !== undefined && spec.every !== undefined) {
    throw new ValidationError('repeat', 'Both .pattern and .every options are defined for this repeatable job');
  }
  if (spec.pattern === undefined && spec.every === undefined) {
    throw new ValidationError('repeat', 'Either .pattern or .every options must be defined for this repeatable job');
  }
  if (spec.immediately && spec.startDate !== undefined) {
    throw new ValidationError('repeat', 'Both .immediately and .startDate options are defined for this repeatable job');
  }
  if (spec.endDate !== undefined && spec.endDate < now) {
    throw new ValidationError('repeat.endDate', 'End date must be greater than current timestamp');
  }
  if (spec.startDate !== undefined && spec.endDate !== undefined && spec.endDate < spec.startDate) {
    throw new ValidationError('repeat.endDate', 'End date must be greater than start date');
  }
  if (spec.tz !== undefined) assertTimeZone(spec.tz);
  if (spec.pattern !== undefined) {
    try {
      cron().parse(spec.pattern, { currentDate: new Date(now), tz: spec.tz });
    } catch (error) {
      throw new ValidationError('repeat.pattern', `Invalid cron pattern "${spec.pattern}": ${(error as Error).message}`);
    }
  }
}

/**
 * Missed cron slots walked one by one before computing from `after` directly. Small on purpose: the walk
 * runs inside the claim transaction and cron-parser needs ~0.1-0.6 ms per step with a time zone.
 */
const MAX_CRON_WALK = 16;

function cronFrom(spec: RepeatSpec, from: number) {
  return cron().parse(spec.pattern!, { currentDate: new Date(from), tz: spec.tz });
}

/**
 * The first slot strictly after `after` (ignoring start/end dates). For cron, `previous` (the slot that
 * just ran) is the better starting point: cron-parser only knows that a repeated wall-clock hour (the
 * October DST change) was already served when it walks from a slot inside it; asked from a time in the
 * hour's second pass it would return 02:30 again. So the walk starts at `previous` and steps over missed
 * slots, up to MAX_CRON_WALK of them (after a longer downtime it computes from `after`, where only a
 * restart inside the repeated hour itself could see that hour's slot a second time).
 */
function slotAfter(spec: RepeatSpec, after: number, previous?: number): number {
  if (spec.every !== undefined) {
    const offset = spec.offset ?? (spec.startDate !== undefined ? spec.startDate % spec.every : 0);
    return offset + (Math.floor((after - offset) / spec.every) + 1) * spec.every;
  }
  if (previous !== undefined && previous <= after) {
    const walk = cronFrom(spec, previous);
    for (let i = 0; i < MAX_CRON_WALK; i++) {
      const slot = walk.next().getTime();
      if (slot > after) return slot;
    }
  }
  return cronFrom(spec, after).next().getTime();
}

/** The first slot at or after `from` that lies inside [startDate, endDate], or null when there is none. */
function slotFrom(spec: RepeatSpec, from: number, previous?: number): number | null {
  const lowest = Math.max(from, spec.startDate ?? Number.NEGATIVE_INFINITY);
  const slot = slotAfter(spec, lowest - 1, previous);
  return spec.endDate !== undefined && slot > spec.endDate ? null : slot;
}

/**
 * When the first job of a new (or redefined) scheduler runs: now with `immediately`, else the first slot
 * after now (and not before startDate). `iterations` jobs were already made (a re-upsert keeps the count).
 */
export function firstRunAt(spec: RepeatSpec, now: number, iterations: number): number | null {
  if (spec.limit !== undefined && iterations >= spec.limit) return null;
  if (spec.immediately) return spec.endDate !== undefined && now > spec.endDate ? null : now;
  return slotFrom(spec, now + 1);
}

/**
 * The slot after the one that just started (`started`, the pending job's slot) when it starts at `now`.
 * Slots that passed while nothing ran (downtime, a clock jump) are skipped: the next slot is the first one
 * after both, so an overdue schedule runs once, not once per missed slot.
 */
export function nextRunAfter(spec: RepeatSpec, started: number, now: number, iterations: number): number | null {
  if (spec.limit !== undefined && iterations >= spec.limit) return null;
  return slotFrom(spec, Math.max(started, now) + 1, started);
}
