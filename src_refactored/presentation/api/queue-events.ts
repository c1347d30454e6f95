import { EventEmitter } from 'node:events';
import { BulliteError } from '../../shared/bullite-error.js';
import { assertQueueName } from '../../core/domain/queue/queue-name.js';
import { acquireConnection, type Connection, type Lease } from '../composition/connection-registry.js';

export interface QueueEventsOptions {
  connection: Connection;
  autorun?: boolean;
}

/**
 * BullMQ's QueueEvents: `on('completed', ({ jobId, returnvalue }, id) => …)` and the per-job form
 * `on('completed:<jobId>', …)` is not BullMQ's; the BullMQ per-job form is handled by `waitUntilFinished`.
 */
export class QueueEvents extends EventEmitter {
  readonly name: string;
  private readonly lease: Lease;
  private unsubscribe: (() => void) | undefined;

  constructor(name: string, opts: QueueEventsOptions) {
    super();
    this.name = assertQueueName(name);
    this.lease = acquireConnection(opts?.connection);
    if (opts.autorun !== false) void this.run();
  }

  async run(): Promise<void> {
    this.unsubscribe ??= this.lease.engine.events.subscribe(this.name, (event) => {
      this.emit(event.event, event.args, event.id);
      if (event.args.jobId !== undefined) this.emit(`${event.event}:${event.args.jobId}`, event.args, event.id);
    });
  }

  /** Resolves when the job completes (with its return value) or rejects when it fails. */
  async waitForJob<R>(jobId: string, ttl?: number): Promise<R> {
    const engine = this.lease.engine;
    return new Promise<R>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        this.off(`completed:${jobId}`, onCompleted);
        this.off(`failed:${jobId}`, onFailed);
        if (timer !== undefined) clearTimeout(timer);
      };
      const onCompleted = (args: { returnvalue: R }) => {
        cleanup();
        resolve(args.returnvalue);
      };
      const onFailed = (args: { failedReason: string }) => {
        cleanup();
        reject(new Error(args.failedReason));
      };
      this.on(`completed:${jobId}`, onCompleted);
      this.on(`failed:${jobId}`, onFailed);
      if (ttl !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          // BullMQ's wording.
          reject(new BulliteError('ERR_WAIT_TIMEOUT', `Job wait ${jobId} timed out before finishing, no finish notification arrived after ${ttl}ms (id=${jobId})`));
        }, ttl);
      }
      // The job may have finished before we subscribed.
      void engine.queues.getJob(this.name, jobId).then((record) => {
        if (record?.state === 'completed') onCompleted({ returnvalue: record.returnvalue as R });
        else if (record?.state === 'failed') onFailed({ failedReason: record.failedReason ?? 'failed' });
      });
    });
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.removeAllListeners();
    await this.lease.release();
  }
}
