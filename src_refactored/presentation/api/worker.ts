import { EventEmitter } from 'node:events';
import type { JobRecord } from '../../core/application/ports/job-record.js';
import type { WorkerRunner } from '../../core/application/services/worker-runner.js';
import type { BackoffStrategy, WorkerRunnerOptions } from '../../core/application/services/worker-runner-options.js';
import type { KeepJobs } from '../../core/domain/job/job-options.js';
import { assertQueueName } from '../../core/domain/queue/queue-name.js';
import { BulliteError, ValidationError } from '../../shared/bullite-error.js';
import { acquireConnection, type Connection, type Lease } from '../composition/connection-registry.js';
import { parseInput } from '../validation/parse-input.js';
import { workerOptionsSchema } from '../validation/worker-options.schema.js';
import { Job, type ManualSettler } from './job.js';
import { RateLimitError } from '../../core/domain/job/flow-control-errors.js';
import { rateLimitMsSchema } from '../validation/flow-control.schema.js';
import { DEFAULT_KILL_GRACE_MS, SandboxPool } from '../sandbox/sandbox-pool.js';
import { sandboxLaunch } from '../sandbox/sandbox-launch.js';
import { mayReadSignal } from './processor-signal-use.js';

export type Processor<D = unknown, R = unknown, N extends string = string> = (
  job: Job<D, R, N>,
  token: string,
  signal: AbortSignal,
) => Promise<R> | R;

export interface WorkerOptions {
  connection: Connection;
  concurrency?: number;
  autorun?: boolean;
  name?: string;
  lockDuration?: number;
  lockRenewTime?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  removeOnComplete?: KeepJobs;
  removeOnFail?: KeepJobs;
  settings?: { backoffStrategy?: BackoffStrategy };
  drainDelay?: number;
  /** At most `max` jobs started per `duration` ms across every worker and process of the queue. */
  limiter?: { max: number; duration: number };
  /** Default limit of active jobs per group (`opts.group.id`) when the queue sets none. */
  group?: { concurrency: number };
  /** Sandboxed processors (a file path): worker threads instead of child processes. */
  useWorkerThreads?: boolean;
  workerForkOptions?: { execArgv?: string[] } & Record<string, unknown>;
  workerThreadsOptions?: { execArgv?: string[] } & Record<string, unknown>;
  /** ms a sandboxed processor gets to honour its aborted signal before it is killed (default 5000). */
  killGracePeriod?: number;
}

/** BullMQ's Worker: runs `processor` for jobs of one queue, `concurrency` at a time. */
export class Worker<DataType = unknown, ResultType = unknown, NameType extends string = string>
  extends EventEmitter
  implements ManualSettler
{
  readonly name: string;
  readonly opts: WorkerRunnerOptions & { autorun: boolean; drainDelay: number };
  private readonly lease: Lease;
  private readonly runner: WorkerRunner<Job<DataType, ResultType, NameType>>;
  private running: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly detach: (() => void)[] = [];
  private readonly sandbox: SandboxPool | undefined;

  /** `processor`: a function, or the path / file: URL of a module whose default export is one (sandboxed). */
  constructor(name: string, processor: Processor<DataType, ResultType, NameType> | string | URL | null, opts: WorkerOptions) {
    super();
    this.name = assertQueueName(name);
    const parsed = parseInput(workerOptionsSchema, opts, 'opts');
    if (typeof processor === 'string' || processor instanceof URL) {
      this.sandbox = new SandboxPool(sandboxLaunch(processor, parsed), parsed.killGracePeriod ?? DEFAULT_KILL_GRACE_MS);
    } else if (processor !== null && typeof processor !== 'function') {
      throw new ValidationError('processor', 'processor must be a function, a file path or a file: URL');
    }
    const lockDuration = parsed.lockDuration ?? 30_000;
    this.opts = {
      concurrency: parsed.concurrency ?? 1,
      lockDuration,
      lockRenewTime: parsed.lockRenewTime ?? Math.max(1, Math.floor(lockDuration / 2)),
      stalledInterval: parsed.stalledInterval ?? 30_000,
      maxStalledCount: parsed.maxStalledCount ?? 1,
      name: parsed.name ?? null,
      removeOnComplete: parsed.removeOnComplete,
      removeOnFail: parsed.removeOnFail,
      backoffStrategy: parsed.settings?.backoffStrategy as BackoffStrategy | undefined,
      autorun: parsed.autorun ?? true,
      drainDelay: parsed.drainDelay ?? 5,
      limiter: parsed.limiter,
      groupConcurrency: parsed.group?.concurrency,
    };
    const readsSignal = typeof processor === 'function' && mayReadSignal(processor);
    this.lease = acquireConnection(opts.connection);
    const engine = this.lease.engine;
    this.runner = engine.workers.createRunner(this.name, this.opts, {
      createContext: (record, token) => {
        const job = new Job<DataType, ResultType, NameType>(engine, record, token);
        job.onProgress = (progress) => this.emit('progress', job, progress);
        return job;
      },
      process: async (job, token, attempt) => {
        if (this.sandbox !== undefined) return this.sandbox.run(job as Job, attempt.signal);
        if (typeof processor !== 'function') throw new BulliteError('ERR_NO_PROCESSOR', 'Worker has no processor; use getNextJob()');
        if (readsSignal) return processor(job, token, attempt.signal);
        // It cannot see a third argument (mayReadSignal): no signal is made for this attempt.
        return (processor as (job: Job<DataType, ResultType, NameType>, token: string) => Promise<ResultType> | ResultType)(job, token);
      },
      onActive: (job) => {
        // The job was built from the claimed row: processedOn and attemptsStarted are the claim's own.
        this.emit('active', job, 'waiting');
      },
      onCompleted: (job, result, finishedOn) => {
        Object.assign(job, { returnvalue: result, finishedOn, attemptsMade: job.attemptsMade + 1 });
        this.emit('completed', job, result, 'active');
      },
      onFailed: (job, error, final, finishedOn) => {
        Object.assign(job, { failedReason: error.message, attemptsMade: job.attemptsMade + 1 });
        if (final) job.finishedOn = finishedOn;
        this.emit('failed', job, error, 'active');
      },
      onDrained: () => this.emit('drained'),
      onError: (error) => this.emitError(error),
      onLockRenewalFailed: (ids) => this.emit('lockRenewalFailed', ids),
    });
    this.detach.push(
      engine.attach(this),
      engine.events.subscribe(this.name, (event) => {
        const jobId = event.args.jobId;
        if (event.event === 'stalled' && jobId !== undefined) {
          this.emit('stalled', jobId, 'active');
        }
      }),
    );
    if (this.opts.autorun && processor !== null) void this.run();
  }

  /** Starts processing; resolves when the worker closes. */
  run(): Promise<void> {
    if (this.running !== undefined) throw new BulliteError('ERR_WORKER_RUNNING', 'Worker is already running.');
    if (this.closing !== undefined) throw new BulliteError('ERR_WORKER_CLOSED', 'Worker is closed.');
    this.running = this.runner.run();
    return this.running;
  }

  isRunning(): boolean {
    return this.runner.isRunning();
  }

  isPaused(): boolean {
    return this.runner.isPaused();
  }

  /** Stops taking new jobs; unless `doNotWaitActive`, resolves when the active ones have finished. */
  async pause(doNotWaitActive = false): Promise<void> {
    this.runner.pause();
    if (!doNotWaitActive) await this.runner.whenIdle();
    this.emit('paused');
  }

  resume(): void {
    this.runner.resume();
    this.emit('resumed');
  }

  /** Aborts the signal of a job this worker is running (the job fails with CancelledError, no retry). */
  cancelJob(jobId: string, reason = 'Job cancelled'): boolean {
    return this.runner.cancelLocal(String(jobId), reason);
  }

  /** BullMQ's `Worker.RateLimitError()`: throw it after `worker.rateLimit(ms)`. */
  static RateLimitError(): RateLimitError {
    return new RateLimitError();
  }

  /** No job of this queue is started, by any worker or process, for `expireTimeMs`. */
  async rateLimit(expireTimeMs: number): Promise<void> {
    return this.lease.engine.control.rateLimit(this.name, parseInput(rateLimitMsSchema, expireTimeMs, 'expireTimeMs'));
  }

  /** Manual processing: claims the next job under `token` (BullMQ's getNextJob). */
  async getNextJob(token: string, opts: { block?: boolean } = {}): Promise<Job<DataType, ResultType, NameType> | undefined> {
    const engine = this.lease.engine;
    const record: JobRecord | undefined = await engine.workers.getNextJob(
      this.name,
      token,
      this.opts.lockDuration,
      opts.block ?? false,
      this.opts.drainDelay * 1000,
    );
    return record === undefined ? undefined : new Job<DataType, ResultType, NameType>(engine, record, token, this);
  }

  /** @internal ManualSettler for jobs from getNextJob. */
  async settle(job: Job, token: string, outcome: { kind: 'completed'; result: unknown } | { kind: 'failed'; error: Error }): Promise<void> {
    const engine = this.lease.engine;
    const record = await engine.queues.getJob(this.name, job.id);
    if (record === null) throw new BulliteError('ERR_JOB_NOT_FOUND', `Missing key for job ${job.id}. moveToFinished`);
    await engine.workers.settleManually(record, token, outcome, this.opts, job);
  }

  /** Graceful by default: waits for active jobs. `force` aborts them and hands them back to the queue. */
  close(force = false): Promise<void> {
    this.closing ??= (async () => {
      await this.runner.close(force);
      await this.sandbox?.close();
      for (const off of this.detach.splice(0)) off();
      await this.lease.release();
      this.emit('closed');
    })();
    return this.closing;
  }

  private emitError(error: Error): void {
    // An 'error' event with no listener would crash the process (EventEmitter semantics).
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}
