/**
 * Every event QueueEvents emits (DESIGN.md §3) with BullMQ's payloads. Each listener also receives the
 * event's id, the `lastEventId` to resume from. The per-job form `'<event>:<jobId>'` gets the same args.
 */
export interface QueueEventsListener {
  added: (args: { jobId: string; name: string }, id: string) => void;
  waiting: (args: { jobId: string; prev?: string }, id: string) => void;
  delayed: (args: { jobId: string; delay: number }, id: string) => void;
  active: (args: { jobId: string; prev?: string }, id: string) => void;
  progress: (args: { jobId: string; data: number | object }, id: string) => void;
  completed: (args: { jobId: string; returnvalue: unknown; prev?: string }, id: string) => void;
  failed: (args: { jobId: string; failedReason: string; prev?: string }, id: string) => void;
  'retries-exhausted': (args: { jobId: string; attemptsMade: number }, id: string) => void;
  stalled: (args: { jobId: string; prev?: string }, id: string) => void;
  'waiting-children': (args: { jobId: string }, id: string) => void;
  removed: (args: { jobId: string; prev?: string }, id: string) => void;
  duplicated: (args: { jobId: string }, id: string) => void;
  deduplicated: (args: { jobId: string; deduplicationId: string; deduplicatedJobId?: string }, id: string) => void;
  cleaned: (args: { count: number }, id: string) => void;
  drained: (args: Record<string, never>, id: string) => void;
  paused: (args: Record<string, never>, id: string) => void;
  resumed: (args: Record<string, never>, id: string) => void;
  /** bullite extra: a job was cancelled with `cancelJob`. */
  cancelled: (args: { jobId: string; reason: string }, id: string) => void;
}

export const QUEUE_EVENT_NAMES = [
  'added',
  'waiting',
  'delayed',
  'active',
  'progress',
  'completed',
  'failed',
  'retries-exhausted',
  'stalled',
  'waiting-children',
  'removed',
  'duplicated',
  'deduplicated',
  'cleaned',
  'drained',
  'paused',
  'resumed',
  'cancelled',
] as const satisfies readonly (keyof QueueEventsListener)[];
