import { ContainerModule } from 'inversify';
import type { Clock } from '../../core/application/ports/clock.port.js';
import { CLOCK } from '../../core/application/ports/clock.port.js';
import { CHANGE_FEED } from '../../core/application/ports/change-feed.port.js';
import { EVENT_BUS } from '../../core/application/ports/event-bus.port.js';
import { JOB_REPOSITORY } from '../../core/application/ports/job-repository.port.js';
import { LOGGER, type Logger } from '../../core/application/ports/logger.port.js';
import { QUEUE_REPOSITORY } from '../../core/application/ports/queue-repository.port.js';
import { ENGINE_SETTINGS, type EngineSettings } from '../../core/application/services/engine-settings.js';
import { JobQueueService } from '../../core/application/services/job-queue.service.js';
import { JobWorkerService } from '../../core/application/services/job-worker.service.js';
import { QueueSchedulerService } from '../../core/application/services/queue-scheduler.service.js';
import { CANCEL_SIGNAL, WORK_SIGNAL, WorkSignal } from '../../core/application/services/work-signal.js';
import { FLOW_CONTROL_REPOSITORY } from '../../core/application/ports/flow-control-repository.port.js';
import { FlowControlService } from '../../core/application/services/flow-control.service.js';
import { SqliteFlowControlRepository } from '../../infrastructure/persistence/drizzle/sqlite-flow-control-repository.js';
import { InProcessEventBus } from '../../infrastructure/events/in-process-event-bus.js';
import type { SqliteDb } from '../../infrastructure/persistence/drizzle/sqlite-database.js';
import { SqliteChangeFeed } from '../../infrastructure/persistence/drizzle/sqlite-change-feed.js';
import { SqliteJobRepository } from '../../infrastructure/persistence/drizzle/sqlite-job-repository.js';
import { SqliteQueueRepository } from '../../infrastructure/persistence/drizzle/sqlite-queue-repository.js';

/** Adapters of one engine: the store file, its change feed, the event bus, clock and logger. */
export function infrastructureModule(db: SqliteDb, clock: Clock, logger: Logger, settings: EngineSettings): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(JOB_REPOSITORY).toConstantValue(new SqliteJobRepository(db));
    bind(QUEUE_REPOSITORY).toConstantValue(new SqliteQueueRepository(db));
    bind(FLOW_CONTROL_REPOSITORY).toConstantValue(new SqliteFlowControlRepository(db));
    bind(CHANGE_FEED).toConstantValue(new SqliteChangeFeed(db, settings.changePollInterval));
    bind(EVENT_BUS).toConstantValue(new InProcessEventBus());
    bind(CLOCK).toConstantValue(clock);
    bind(LOGGER).toConstantValue(logger);
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
  });
}
