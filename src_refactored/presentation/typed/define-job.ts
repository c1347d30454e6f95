import type * as z from 'zod';
import { UnrecoverableError } from '../../core/domain/job/job-errors.js';
import type { QueueEngine } from '../composition/queue-engine.js';
import { Queue } from '../api/queue.js';
import { Worker, type WorkerOptions } from '../api/worker.js';
import type { Job } from '../api/job.js';
import type { JobsOptionsInput } from '../validation/job-options.schema.js';
import { JobDataValidationError, problemsFrom } from './job-data-validation.error.js';

export interface JobDefinitionSpec<S extends z.ZodType, R extends z.ZodType | undefined> {
  name: string;
  queue: string;
  /** Validates (and may transform) the data at enqueue time; nothing invalid is stored. */
  schema: S;
  /** Optional check of the processor's return value; a mismatch fails the attempt with the problems. */
  result?: R;
  /** Job options used unless `add` overrides them. */
  defaults?: JobsOptionsInput;
}

type ResultOf<R> = R extends z.ZodType ? z.output<R> : unknown;

export type TypedProcessor<D, Res> = (job: Job<D, Res>, token: string, signal: AbortSignal) => Promise<Res> | Res;

/** A processor bound to its definition, for a worker that serves several definitions of one queue. */
export interface BoundHandler {
  readonly definition: JobDefinition<z.ZodType, z.ZodType | undefined>;
  run(job: Job, token: string, signal: AbortSignal): Promise<unknown>;
}

export class JobDefinition<S extends z.ZodType, R extends z.ZodType | undefined = undefined> {
  constructor(readonly spec: JobDefinitionSpec<S, R>) {}

  get name(): string {
    return this.spec.name;
  }

  get queue(): string {
    return this.spec.queue;
  }

  /** Parses data against the schema; throws JobDataValidationError listing every bad path. */
  parse(data: unknown): z.output<S> {
    const parsed = this.spec.schema.safeParse(data);
    if (!parsed.success) throw new JobDataValidationError(this.spec.name, problemsFrom(parsed.error, 'data'));
    return parsed.data;
  }

  /** Validates, then adds on `engine` (the queue object is cached per engine). */
  async add(engine: QueueEngine, data: z.input<S>, opts?: JobsOptionsInput): Promise<Job<z.output<S>, ResultOf<R>>> {
    const valid = this.parse(data);
    return (await queueFor(engine, this.spec.queue).add(this.spec.name, valid, { ...this.spec.defaults, ...opts })) as Job<z.output<S>, ResultOf<R>>;
  }

  /** Binds a typed processor to this definition (for `createTypedWorker`). */
  handle(processor: TypedProcessor<z.output<S>, ResultOf<R>>): BoundHandler {
    return {
      definition: this as unknown as JobDefinition<z.ZodType, z.ZodType | undefined>,
      run: async (job, token, signal) => this.checkResult(await processor(job as Job<z.output<S>, ResultOf<R>>, token, signal)),
    };
  }

  /** A worker for this definition alone. */
  worker(engine: QueueEngine, processor: TypedProcessor<z.output<S>, ResultOf<R>>, opts: Omit<WorkerOptions, 'connection'> = {}): Worker<z.output<S>, ResultOf<R>> {
    return createTypedWorker(engine, [this.handle(processor)], opts) as Worker<z.output<S>, ResultOf<R>>;
  }

  private checkResult(value: unknown): unknown {
    if (this.spec.result === undefined) return value;
    const parsed = this.spec.result.safeParse(value);
    if (!parsed.success) throw new JobDataValidationError(this.spec.name, problemsFrom(parsed.error, 'returnvalue'));
    return parsed.data;
  }
}

export function defineJob<S extends z.ZodType, R extends z.ZodType | undefined = undefined>(spec: JobDefinitionSpec<S, R>): JobDefinition<S, R> {
  return new JobDefinition(spec);
}

/**
 * One worker for several definitions that share a queue: dispatch by job name. A job whose name no
 * handler knows fails at once (not retried) with a message listing the names this worker serves.
 */
export function createTypedWorker(engine: QueueEngine, handlers: BoundHandler[], opts: Omit<WorkerOptions, 'connection'> = {}): Worker {
  const queues = new Set(handlers.map((h) => h.definition.queue));
  if (queues.size !== 1) throw new TypeError(`createTypedWorker needs handlers of exactly one queue, got: ${[...queues].join(', ')}`);
  const byName = new Map(handlers.map((h) => [h.definition.name, h]));
  const queue = [...queues][0];
  return new Worker(queue, async (job, token, signal) => {
    const handler = byName.get(job.name);
    if (handler === undefined) {
      throw new UnrecoverableError(`No handler for job "${job.name}" on queue "${queue}"; this worker handles: ${[...byName.keys()].join(', ')}`);
    }
    return handler.run(job, token, signal);
  }, { ...opts, connection: engine });
}

const queues = new WeakMap<QueueEngine, Map<string, Queue>>();

function queueFor(engine: QueueEngine, name: string): Queue {
  let byName = queues.get(engine);
  if (byName === undefined) queues.set(engine, (byName = new Map()));
  let queue = byName.get(name);
  if (queue === undefined) byName.set(name, (queue = new Queue(name, { connection: engine })));
  return queue;
}
