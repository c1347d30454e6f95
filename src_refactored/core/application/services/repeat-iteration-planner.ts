import { firstRunAt, nextRunAfter } from '../../domain/schedule/repeat-schedule.js';
import type { IterationPlanner, PlannedIteration, SchedulerRecord } from '../ports/job-scheduler-repository.port.js';
import { buildNewJob } from './new-job.js';

/** BullMQ's id for the job of one slot: `repeat:<schedulerId>:<millis>`. */
export function repeatJobId(schedulerId: string, slot: number): string {
  return `repeat:${schedulerId}:${slot}`;
}

/** The slot of a scheduler job from its id (the part after the last colon), or null. */
export function slotOfRepeatJob(jobId: string): number | null {
  const slot = Number(jobId.slice(jobId.lastIndexOf(':') + 1));
  return Number.isSafeInteger(slot) ? slot : null;
}

function iteration(scheduler: SchedulerRecord, slot: number | null, now: number): PlannedIteration | null {
  if (slot === null) return null;
  const { template } = scheduler;
  const opts = { ...template.opts, jobId: repeatJobId(scheduler.id, slot), repeatJobKey: scheduler.id, delay: Math.max(0, slot - now) };
  return { slot, job: buildNewJob(scheduler.queue, template.name, JSON.stringify(template.data ?? {}), opts) };
}

/** The engine's IterationPlanner: the repeat maths of the domain applied to a stored scheduler. */
export const repeatIterationPlanner: IterationPlanner = {
  first: (scheduler, now) => iteration(scheduler, firstRunAt(scheduler.repeat, now, scheduler.iterationCount), now),
  next: (scheduler, startedSlot, now) =>
    iteration(scheduler, nextRunAfter(scheduler.repeat, startedSlot, now, scheduler.iterationCount), now),
};
