// The public API (DESIGN.md §3). Everything a user imports comes from here.
export { createQueueEngine, QueueEngine } from './presentation/composition/queue-engine.js';
export type { QueueEngineOptions } from './presentation/composition/engine-options.schema.js';
export type { PostgresOptions } from './presentation/composition/postgres-options.schema.js';
export type { Connection } from './presentation/composition/connection-registry.js';
export { Queue, type QueueOptions } from './presentation/api/queue.js';
export type { JobSchedulerJson } from './presentation/api/queue-job-schedulers.js';
export type { RepeatOptionsInput as RepeatOptions } from './presentation/validation/repeat-options.schema.js';
export type { JobTemplateInput as JobSchedulerTemplate } from './presentation/validation/job-scheduler.schema.js';
export { Worker, type WorkerOptions, type Processor } from './presentation/api/worker.js';
export { Job } from './presentation/api/job.js';
export { QueueEvents, type QueueEventsOptions } from './presentation/api/queue-events.js';
export type { QueueEventsListener } from './presentation/api/queue-events-listener.js';
export type { SearchJobsOptions } from './presentation/validation/search-jobs.schema.js';
export type { SearchJobsResult, MetricsResult } from './core/application/services/queue-insights.service.js';
export { registerPrometheusMetrics } from './presentation/metrics/prom-client-collector.js';
export { createDashboard, type Dashboard, type DashboardOptions } from './presentation/dashboard/dashboard-handler.js';
export { startDashboard, type RunningDashboard, type StartDashboardOptions } from './presentation/dashboard/start-dashboard.js';
export {
  FlowProducer,
  type FlowJob,
  type FlowChildJob,
  type FlowOpts,
  type FlowProducerOptions,
  type JobNode,
  type NodeOpts,
} from './presentation/api/flow-producer.js';
export type { JobDependencies, DependencyType } from './presentation/api/job-dependencies.js';
export type { DeadLetterData } from './core/domain/job/dead-letter.js';
export type { JobsOptions, KeepJobs, BackoffOptions } from './core/domain/job/job-options.js';
export type { JobState, JobStateOrUnknown } from './core/domain/job/job-state.js';
export type { Clock } from './core/application/ports/clock.port.js';
export type { Logger } from './core/application/ports/logger.port.js';
export { MAX_PRIORITY } from './core/domain/job/priority.js';
export { BulliteError, ValidationError } from './shared/bullite-error.js';
export {
  UnrecoverableError,
  LockLostError,
  JobNotFoundError,
  JobLockedError,
  JobStateError,
} from './core/domain/job/job-errors.js';
export { CancelledError, WorkerClosedError } from './core/domain/job/cancel-errors.js';
export { RateLimitError, TimeoutError, RATE_LIMIT_ERROR_MESSAGE } from './core/domain/job/flow-control-errors.js';
export { DelayedError, WaitingError, WaitingChildrenError } from './core/domain/job/step-errors.js';
export { DatabaseOpenError, StorageError, type StorageFailure } from './infrastructure/persistence/drizzle/database-errors.js';
export { EncryptionError } from './infrastructure/persistence/codec/payload-codec.js';
export type { EncryptionKey } from './presentation/composition/encryption-options.schema.js';
export { SandboxExitError } from './presentation/sandbox/sandbox-errors.js';
export { defineJob, createTypedWorker, JobDefinition, type JobDefinitionSpec, type BoundHandler } from './presentation/typed/define-job.js';
export { JobDataValidationError, type Problem } from './presentation/typed/job-data-validation.error.js';
export { createTaskTool, type TaskTool, type SubmitResult } from './presentation/recipes/task-tool.js';
export { createAgentExecutor, AGENT_STAGES, type AgentContext, type AgentSpec, type AgentStage, type AgentExecutor, type AgentJobData } from './presentation/recipes/agent-executor.js';
export { createJobListView, JobListViewClosedError, type JobListView, type JobListSnapshot, type JobListRow, type JobListFilter } from './presentation/recipes/job-list-view.js';
