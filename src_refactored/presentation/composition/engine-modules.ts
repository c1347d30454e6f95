import { ContainerModule, type ContainerModuleLoadOptions } from 'inversify';
import type { Clock } from '../../core/application/ports/clock.port.js';
import { CLOCK } from '../../core/application/ports/clock.port.js';
import { CHANGE_FEED } from '../../core/application/ports/change-feed.port.js';
import { EVENT_BUS } from '../../core/application/ports/event-bus.port.js';
import { JOB_REPOSITORY } from '../../core/application/ports/job-repository.port.js';
import { JOB_SCHEDULER_REPOSITORY } from '../../core/application/ports/job-scheduler-repository.port.js';
import { repeatIterationPlanner } from '../../core/application/services/repeat-iteration-planner.js';
import { JobSchedulerService } from '../../core/application/services/job-scheduler.service.js';
import { SqliteJobSchedulerRepository } from '../../infrastructure/persistence/drizzle/sqlite-job-scheduler-repository.js';
import { LOGGER, type Logger } from '../../core/application/ports/logger.port.js';
import { QUEUE_REPOSITORY } from '../../core/application/ports/queue-repository.port.js';
import { FLOW_REPOSITORY } from '../../core/application/ports/flow-repository.port.js';
import { JOB_STEP_REPOSITORY } from '../../core/application/ports/job-step-repository.port.js';
import { FlowService } from '../../core/application/services/flow.service.js';
import { JobStepService } from '../../core/application/services/job-step.service.js';
import { ENGINE_SETTINGS, type EngineSettings } from '../../core/application/services/engine-settings.js';
import { JobQueueService } from '../../core/application/services/job-queue.service.js';
import { JobWorkerService } from '../../core/application/services/job-worker.service.js';
import { QueueSchedulerService } from '../../core/application/services/queue-scheduler.service.js';
import { CANCEL_SIGNAL, WORK_SIGNAL, WorkSignal } from '../../core/application/services/work-signal.js';
import { FLOW_CONTROL_REPOSITORY } from '../../core/application/ports/flow-control-repository.port.js';
import { FlowControlService } from '../../core/application/services/flow-control.service.js';
import { SqliteFlowControlRepository } from '../../infrastructure/persistence/drizzle/sqlite-flow-control-repository.js';
import { SqliteEventBus } from '../../infrastructure/events/sqlite-event-bus.js';
import { EVENT_STREAM } from '../../core/application/ports/event-stream.port.js';
import { EventsService } from '../../core/application/services/events.service.js';
import { QueueInsightsService } from '../../core/application/services/queue-insights.service.js';
import { JOB_SEARCH_REPOSITORY } from '../../core/application/ports/job-search.port.js';
import { METRICS_REPOSITORY } from '../../core/application/ports/metrics-repository.port.js';
import { SqliteJobSearch } from '../../infrastructure/persistence/drizzle/sqlite-job-search.js';
import { SqliteMetricsRepository } from '../../infrastructure/persistence/drizzle/sqlite-metrics-repository.js';
import type { SqliteDb } from '../../infrastructure/persistence/drizzle/sqlite-database.js';
import { SqliteChangeFeed } from '../../infrastructure/persistence/drizzle/sqlite-change-feed.js';
import { SqliteJobRepository } from '../../infrastructure/persistence/drizzle/sqlite-job-repository.js';
import { SqliteQueueRepository } from '../../infrastructure/persistence/drizzle/sqlite-queue-repository.js';
import { SqliteFlowRepository } from '../../infrastructure/persistence/drizzle/sqlite-flow-repository.js';
import { SqliteJobStepRepository } from '../../infrastructure/persistence/drizzle/sqlite-job-step-repository.js';
import type { PayloadCodec } from '../../infrastructure/persistence/codec/payload-codec.js';

/** What every store's adapters are built with, besides the store itself. */
export interface InfrastructureContext {
  clock: Clock;
  logger: Logger;
  settings: EngineSettings;
  codec: PayloadCodec;
  eventsMaxLen: number | undefined;
}

/** The clock and logger, bound the same way whatever the store. */
export function bindClockAndLogger(bind: ContainerModuleLoadOptions['bind'], context: InfrastructureContext): void {
  bind(CLOCK).toConstantValue(context.clock);
  bind(LOGGER).toConstantValue(context.logger);
}

/** Adapters of one engine on a SQLite file: the repositories, its change feed and the event bus. */
export function sqliteInfrastructureModule(db: SqliteDb, context: InfrastructureContext): ContainerModule {
  const { codec, settings } = context;
  return new ContainerModule(({ bind }) => {
    const schedulers = new SqliteJobSchedulerRepository(db, repeatIterationPlanner, codec);
    bind(JOB_REPOSITORY).toConstantValue(new SqliteJobRepository(db, (claimed, now) => schedulers.afterClaim(claimed, now), codec));
    bind(JOB_SCHEDULER_REPOSITORY).toConstantValue(schedulers);
    bind(QUEUE_REPOSITORY).toConstantValue(new SqliteQueueRepository(db));
    bind(FLOW_CONTROL_REPOSITORY).toConstantValue(new SqliteFlowControlRepository(db, codec));
    bind(JOB_SEARCH_REPOSITORY).toConstantValue(new SqliteJobSearch(db, codec));
    bind(METRICS_REPOSITORY).toConstantValue(new SqliteMetricsRepository(db));
    bind(FLOW_REPOSITORY).toConstantValue(new SqliteFlowRepository(db, codec));
    bind(JOB_STEP_REPOSITORY).toConstantValue(new SqliteJobStepRepository(db));
    bind(CHANGE_FEED).toConstantValue(new SqliteChangeFeed(db, settings.changePollInterval));
    const events = new SqliteEventBus(db, context.clock, context.logger, context.eventsMaxLen, codec);
    bind(EVENT_BUS).toConstantValue(events);
    bind(EVENT_STREAM).toConstantValue(events);
    bindClockAndLogger(bind, context);
  });
}

/** Application services, one instance each per engine. */
export function applicationModule(settings: EngineSettings): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(ENGINE_SETTINGS).toConstantValue(settings);
    bind(WORK_SIGNAL).toConstantValue(new WorkSignal());
    bind(CANCEL_SIGNAL).toConstantValue(new WorkSignal());
    bind(FlowControlService).toSelf().inSingletonScope();
    bind(QueueSchedulerService).toSelf().inSingletonScope();
    bind(JobQueueService).toSelf().inSingletonScope();
    bind(JobWorkerService).toSelf().inSingletonScope();
    bind(EventsService).toSelf().inSingletonScope();
    bind(QueueInsightsService).toSelf().inSingletonScope();
    bind(FlowService).toSelf().inSingletonScope();
    bind(JobStepService).toSelf().inSingletonScope();
    bind(JobSchedulerService).toSelf().inSingletonScope();
  });
}
