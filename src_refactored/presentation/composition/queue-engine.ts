import { Container } from 'inversify';
import { CHANGE_FEED, type ChangeFeed } from '../../core/application/ports/change-feed.port.js';
import { CLOCK, type Clock } from '../../core/application/ports/clock.port.js';
import { EVENT_BUS, type EventBus } from '../../core/application/ports/event-bus.port.js';
import type { Logger } from '../../core/application/ports/logger.port.js';
import { JobQueueService } from '../../core/application/services/job-queue.service.js';
import { JobWorkerService } from '../../core/application/services/job-worker.service.js';
import { FlowControlService } from '../../core/application/services/flow-control.service.js';
import { QueueSchedulerService } from '../../core/application/services/queue-scheduler.service.js';
import { EventsService } from '../../core/application/services/events.service.js';
import { QueueInsightsService } from '../../core/application/services/queue-insights.service.js';
import { EVENT_STREAM, type EventStream } from '../../core/application/ports/event-stream.port.js';
import { FlowService } from '../../core/application/services/flow.service.js';
import { JobStepService } from '../../core/application/services/job-step.service.js';
import { JobSchedulerService } from '../../core/application/services/job-scheduler.service.js';
import { systemClock } from '../../infrastructure/clock/system-clock.js';
import { silentLogger } from '../../infrastructure/logging/silent-logger.js';
import type { SqliteDb } from '../../infrastructure/persistence/drizzle/sqlite-database.js';
import { parseInput } from '../validation/parse-input.js';
import { engineOptionsSchema, type ParsedEngineOptions, type QueueEngineOptions } from './engine-options.schema.js';
import { applicationModule } from './engine-modules.js';
import { openEngineStore, type EngineStore } from './engine-store.js';
import { EncryptionCodec } from '../../infrastructure/persistence/codec/encryption-codec.js';
import { BulliteError } from '../../shared/bullite-error.js';
import { plainCodec } from '../../infrastructure/persistence/codec/payload-codec.js';

/** Something the engine closes when it closes (workers first, so they can finish their jobs). */
export interface EngineAttachment {
  close(): Promise<void>;
}

/**
 * One store (a SQLite file or a PostgreSQL schema) and the services on it. The composition root: the only place that touches the
 * Inversify container; each engine has its own, so two engines on two files never share state.
 */
export class QueueEngine {
  /** The SQLite file's resolved path, or for PostgreSQL the server and schema (never the password). */
  readonly path: string;
  readonly backend: 'sqlite' | 'postgres';
  readonly clock: Clock;
  readonly queues: JobQueueService;
  readonly workers: JobWorkerService;
  readonly control: FlowControlService;
  readonly scheduler: QueueSchedulerService;
  readonly flows: FlowService;
  readonly steps: JobStepService;
  readonly schedulers: JobSchedulerService;
  readonly events: EventBus;
  /** The durable event stream (QueueEvents, dashboard). */
  readonly eventStream: EventsService;
  /** Job lists, metrics and queue listings for UIs (searchJobs, getMetrics, CLI, dashboard). */
  readonly insights: QueueInsightsService;
  private readonly stream: EventStream;
  private readonly changes: ChangeFeed;
  private readonly attachments = new Set<EngineAttachment>();
  private readonly codec: EncryptionCodec | undefined;
  private closing: Promise<void> | undefined;

  /** @internal use createQueueEngine */
  constructor(
    private readonly store: EngineStore,
    options: ParsedEngineOptions,
  ) {
    this.path = store.label;
    this.backend = store.backend;
    const settings = {
      idleCheckInterval: options.idleCheckInterval ?? 250,
      changePollInterval: options.changePollInterval ?? 20,
    };
    const container = new Container();
    const encryption = options.encryption as { key: Buffer; previousKeys?: Buffer[] } | undefined;
    const codec = encryption === undefined ? undefined : new EncryptionCodec(encryption.key, encryption.previousKeys);
    this.codec = codec;
    container.load(
      store.module({
        clock: options.clock ?? systemClock,
        logger: (options.logger as Logger | undefined) ?? silentLogger,
        settings,
        codec: codec ?? plainCodec,
        eventsMaxLen: options.events?.maxLen,
      }),
      applicationModule(settings),
    );
    this.clock = container.get<Clock>(CLOCK);
    this.queues = container.get(JobQueueService);
    this.workers = container.get(JobWorkerService);
    this.control = container.get(FlowControlService);
    this.scheduler = container.get(QueueSchedulerService);
    this.flows = container.get(FlowService);
    this.steps = container.get(JobStepService);
    this.schedulers = container.get(JobSchedulerService);
    this.events = container.get<EventBus>(EVENT_BUS);
    this.changes = container.get<ChangeFeed>(CHANGE_FEED);
    this.eventStream = container.get(EventsService);
    this.stream = container.get<EventStream>(EVENT_STREAM);
    this.insights = container.get(QueueInsightsService);
    this.scheduler.start();
  }

  /** @internal the open SQLite file (tests and tools; not part of the API). Throws on PostgreSQL. */
  get db(): SqliteDb {
    if (this.store.sqlite === undefined) throw new BulliteError('ERR_NOT_SQLITE', `engine.db is a SQLite handle; this engine is on ${this.path}`);
    return this.store.sqlite;
  }

  /** Resolves when the store is usable; rejects with the DatabaseOpenError when it could not be opened. */
  get ready(): Promise<void> {
    return this.store.ready;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** @internal Workers and queues register so `engine.close()` closes them first. */
  attach(attachment: EngineAttachment): () => void {
    this.attachments.add(attachment);
    return () => this.attachments.delete(attachment);
  }

  /**
   * Key rotation: rewrites every stored job data, return value and log line that is plain or under a
   * previous key with `encryption.key`, in batches. Afterwards `previousKeys` can be dropped.
   */
  async reencrypt(): Promise<{ jobs: number; logs: number }> {
    if (this.codec === undefined) throw new BulliteError('ERR_ENCRYPTION_KEY', 'reencrypt() needs an engine opened with encryption: { key }');
    return this.store.rewritePayloads(this.codec);
  }

  /** Closes attached workers (gracefully), stops timers and closes the store. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.attachments].map((a) => a.close().catch(() => undefined)));
      await this.scheduler.close();
      this.changes.close();
      await this.stream.flush(); // events published during shutdown are still stored
      await this.store.close();
    })();
    return this.closing;
  }
}

/**
 * Opens (or creates) a store: `createQueueEngine({ path: './jobs.db' })` or `{ path: ':memory:' }`, or
 * PostgreSQL: `{ postgres: { connectionString } }`, `{ postgres: { pool } }`, `{ postgres: { pglite } }`.
 * For PostgreSQL it waits for the schema to be migrated, so a bad server rejects here.
 */
export async function createQueueEngine(options: QueueEngineOptions): Promise<QueueEngine> {
  const engine = openQueueEngineSync(options);
  try {
    await engine.ready;
  } catch (error) {
    await engine.close().catch(() => undefined);
    throw error;
  }
  return engine;
}

/** Opens at once (the `{ path }` / `{ postgres }` connections of Queue and Worker); PostgreSQL migrates in the background. */
export function openQueueEngineSync(options: QueueEngineOptions): QueueEngine {
  const parsed = parseInput(engineOptionsSchema, options, 'options');
  return new QueueEngine(openEngineStore(parsed), parsed);
}
