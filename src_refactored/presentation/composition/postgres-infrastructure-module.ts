import { ContainerModule } from 'inversify';
import { CHANGE_FEED } from '../../core/application/ports/change-feed.port.js';
import { EVENT_BUS } from '../../core/application/ports/event-bus.port.js';
import { EVENT_STREAM } from '../../core/application/ports/event-stream.port.js';
import { FLOW_CONTROL_REPOSITORY } from '../../core/application/ports/flow-control-repository.port.js';
import { FLOW_REPOSITORY } from '../../core/application/ports/flow-repository.port.js';
import { JOB_REPOSITORY } from '../../core/application/ports/job-repository.port.js';
import { JOB_SCHEDULER_REPOSITORY } from '../../core/application/ports/job-scheduler-repository.port.js';
import { JOB_SEARCH_REPOSITORY } from '../../core/application/ports/job-search.port.js';
import { JOB_STEP_REPOSITORY } from '../../core/application/ports/job-step-repository.port.js';
import { METRICS_REPOSITORY } from '../../core/application/ports/metrics-repository.port.js';
import { QUEUE_REPOSITORY } from '../../core/application/ports/queue-repository.port.js';
import { repeatIterationPlanner } from '../../core/application/services/repeat-iteration-planner.js';
import { PgEventBus } from '../../infrastructure/events/pg-event-bus.js';
import { PgChangeFeed } from '../../infrastructure/persistence/postgres/pg-change-feed.js';
import { PgFlowControlRepository } from '../../infrastructure/persistence/postgres/pg-flow-control-repository.js';
import { PgFlowRepository } from '../../infrastructure/persistence/postgres/pg-flow-repository.js';
import { PgJobRepository } from '../../infrastructure/persistence/postgres/pg-job-repository.js';
import { PgJobSchedulerRepository } from '../../infrastructure/persistence/postgres/pg-job-scheduler-repository.js';
import { PgJobSearch } from '../../infrastructure/persistence/postgres/pg-job-search.js';
import { PgJobStepRepository } from '../../infrastructure/persistence/postgres/pg-job-step-repository.js';
import { PgMetricsRepository } from '../../infrastructure/persistence/postgres/pg-metrics-repository.js';
import { PgQueueRepository } from '../../infrastructure/persistence/postgres/pg-queue-repository.js';
import type { PgStore } from '../../infrastructure/persistence/postgres/pg-store.js';
import { bindClockAndLogger, type InfrastructureContext } from './engine-modules.js';

/** Adapters of one engine on a PostgreSQL schema: the same ports as on SQLite, bound to the Pg twins. */
export function postgresInfrastructureModule(store: PgStore, context: InfrastructureContext): ContainerModule {
  const { codec, settings } = context;
  return new ContainerModule(({ bind }) => {
    const schedulers = new PgJobSchedulerRepository(store, repeatIterationPlanner, codec);
    bind(JOB_REPOSITORY).toConstantValue(new PgJobRepository(store, (claimed, now) => schedulers.afterClaim(claimed, now), codec));
    bind(JOB_SCHEDULER_REPOSITORY).toConstantValue(schedulers);
    bind(QUEUE_REPOSITORY).toConstantValue(new PgQueueRepository(store));
    bind(FLOW_CONTROL_REPOSITORY).toConstantValue(new PgFlowControlRepository(store, codec));
    bind(JOB_SEARCH_REPOSITORY).toConstantValue(new PgJobSearch(store, codec));
    bind(METRICS_REPOSITORY).toConstantValue(new PgMetricsRepository(store));
    bind(FLOW_REPOSITORY).toConstantValue(new PgFlowRepository(store, codec));
    bind(JOB_STEP_REPOSITORY).toConstantValue(new PgJobStepRepository(store));
    bind(CHANGE_FEED).toConstantValue(new PgChangeFeed(store, settings.changePollInterval));
    const events = new PgEventBus(store, context.clock, context.logger, context.eventsMaxLen, codec);
    bind(EVENT_BUS).toConstantValue(events);
    bind(EVENT_STREAM).toConstantValue(events);
    bindClockAndLogger(bind, context);
  });
}
