import { EventEmitter } from 'node:events';
import * as z from 'zod';
import { BulliteError } from '../../shared/bullite-error.js';
import { assertQueueName } from '../../core/domain/queue/queue-name.js';
import type { EventFollower } from '../../core/application/services/events.service.js';
import { acquireConnection, type Connection, type Lease } from '../composition/connection-registry.js';
import { parseInput } from '../validation/parse-input.js';
import type { QueueEventsListener } from './queue-events-listener.js';

export interface QueueEventsOptions {
  connection: Connection;
  autorun?: boolean;
  /** Resume after this event id ('0' replays what the stream still holds); default '$': only new events. */
  lastEventId?: string;
}

const optionsSchema = z.strictObject({
  connection: z.unknown(),
  autorun: z.boolean().optional(),
  lastEventId: z
    .string()
    .regex(/^(\$|\d{1,19})$/, { error: "lastEventId must be an event id received by a listener, '0' or '$'" })
    .optional(),
  /** Accepted for BullMQ compatibility; the stream is read on change, not with a blocking call. */
  blockingTimeout: z.number().optional(),
  prefix: z.string().optional(),
});

// Typed `on`/`once`/`off` for the known event names; any other string still works (e.g. 'completed:42').
export interface QueueEvents {
  on<U extends keyof QueueEventsListener>(event: U, listener: QueueEventsListener[U]): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once<U extends keyof QueueEventsListener>(event: U, listener: QueueEventsListener[U]): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  off<U extends keyof QueueEventsListener>(event: U, listener: QueueEventsListener[U]): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
}

/**
 * BullMQ's QueueEvents on the durable stream: works in any process on the file, delivers each event once
 * in id order, and resumes from `lastEventId` after a restart. Listeners get `(args, id)`; the per-job
 * form `on('completed:<jobId>', …)` gets the same.
 */
export class QueueEvents extends EventEmitter {
  readonly name: string;
  private readonly lease: Lease;
  private readonly startId: string;
  private follower: EventFollower | undefined;
  private ready: Promise<void> | undefined;
  private closed = false;
  private readonly detach: () => void;

  constructor(name: string, opts: QueueEventsOptions) {
    super();
    this.name = assertQueueName(name);
    const parsed = parseInput(optionsSchema, opts, 'opts');
    this.startId = parsed.lastEventId ?? '$';
    this.lease = acquireConnection(opts.connection);
    this.detach = this.lease.engine.attach(this);
    if (parsed.autorun !== false) void this.run();
  }

  /** Id of the last event delivered to listeners: pass it as `lastEventId` to resume after a restart. */
  get lastEventId(): string | undefined {
    return this.follower?.lastId;
  }

  run(): Promise<void> {
    this.ready ??= (async () => {
      const stream = this.lease.engine.eventStream;
      const from = this.startId === '$' ? await stream.latestId(this.name) : this.startId;
      if (this.closed) return;
      this.follower = stream.follow(this.name, from, (event) => {
        this.emit(event.event, event.args, event.id);
        if (event.args.jobId !== undefined) this.emit(`${event.event}:${event.args.jobId}`, event.args, event.id);
      });
    })();
    return this.ready;
  }

  /** Resolves once the stream is being followed (events after this point are delivered). */
  async waitUntilReady(): Promise<void> {
    await this.run();
  }

  /** Resolves when the job completes (with its return value) or rejects when it fails (job.waitUntilFinished). */
  async waitForJob<R>(jobId: string, ttl?: number): Promise<R> {
    await this.run();
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
      // A failed read (the engine closed meanwhile) rejects the wait instead of going unhandled.
      engine.queues.getJob(this.name, jobId).then(
        (record) => {
          if (record?.state === 'completed') onCompleted({ returnvalue: record.returnvalue as R });
          else if (record?.state === 'failed') onFailed({ failedReason: record.failedReason ?? 'failed' });
        },
        (error: unknown) => {
          cleanup();
          reject(error);
        },
      );
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.follower?.close();
    this.detach();
    this.removeAllListeners();
    await this.lease.release();
  }
}
