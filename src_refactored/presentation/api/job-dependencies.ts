import type { DependencyEntry } from '../../core/application/ports/flow-repository.port.js';
import { dependencyKey } from '../../core/domain/job/dependency-policy.js';

/** BullMQ's `job.getDependencies()` shape; keys are `queue:id` (bullite has no key prefix). */
export interface JobDependencies {
  /** Return values of the children / dependsOn jobs that completed. */
  processed: Record<string, unknown>;
  /** Keys of those not resolved yet (including failed children of the default policy, which stay pending). */
  unprocessed: string[];
  /** Keys of children that failed with failParentOnFailure / continueParentOnFailure, and failed dependsOn jobs. */
  failed: string[];
  /** Failure reasons of children that failed with ignoreDependencyOnFailure. */
  ignored: Record<string, string>;
}

export type DependencyType = keyof JobDependencies;

export function groupDependencies(entries: readonly DependencyEntry[]): JobDependencies {
  const view: JobDependencies = { processed: {}, unprocessed: [], failed: [], ignored: {} };
  for (const entry of entries) {
    const key = dependencyKey(entry.queue, entry.id);
    if (entry.status === 'processed') view.processed[key] = entry.value;
    else if (entry.status === 'pending') view.unprocessed.push(key);
    else if (entry.status === 'failed') view.failed.push(key);
    else view.ignored[key] = String(entry.value);
  }
  return view;
}

/** Failure reasons of the children that failed their parent or let it continue, keyed `queue:id`. */
export function failedValues(entries: readonly DependencyEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) if (e.status === 'failed') out[dependencyKey(e.queue, e.id)] = String(e.value);
  return out;
}

export function countDependencies(view: JobDependencies, types: Partial<Record<DependencyType, boolean>>): Partial<Record<DependencyType, number>> {
  const sizes: Record<DependencyType, number> = {
    processed: Object.keys(view.processed).length,
    unprocessed: view.unprocessed.length,
    failed: view.failed.length,
    ignored: Object.keys(view.ignored).length,
  };
  const wanted = (Object.keys(sizes) as DependencyType[]).filter((t) => types[t] === true);
  const picked = wanted.length === 0 ? (Object.keys(sizes) as DependencyType[]) : wanted;
  return Object.fromEntries(picked.map((t) => [t, sizes[t]]));
}
