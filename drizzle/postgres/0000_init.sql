CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"job_id" text NOT NULL,
	"name" text NOT NULL,
	"data" text NOT NULL,
	"opts" text NOT NULL,
	"state" text NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"seq" bigint NOT NULL,
	"timestamp" bigint NOT NULL,
	"delay" bigint DEFAULT 0 NOT NULL,
	"run_at" bigint,
	"attempts_made" integer DEFAULT 0 NOT NULL,
	"attempts_started" integer DEFAULT 0 NOT NULL,
	"stalled_counter" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 1 NOT NULL,
	"progress" text,
	"returnvalue" text,
	"failed_reason" text,
	"stacktrace" text,
	"processed_on" bigint,
	"finished_on" bigint,
	"processed_by" text,
	"lock_token" text,
	"locked_until" bigint,
	"group_id" text,
	"parent_queue" text,
	"parent_id" text,
	"pending_deps" integer DEFAULT 0 NOT NULL,
	"cancel_reason" text,
	"dedup_id" text
);
--> statement-breakpoint
CREATE TABLE "deduplication_keys" (
	"queue" text NOT NULL,
	"dedup_id" text NOT NULL,
	"job_id" text NOT NULL,
	"expires_at" bigint,
	CONSTRAINT "deduplication_keys_queue_dedup_id_pk" PRIMARY KEY("queue","dedup_id")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"event" text NOT NULL,
	"job_id" text,
	"payload" text NOT NULL,
	"timestamp" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "finished_counts" (
	"queue" text NOT NULL,
	"state" text NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "finished_counts_queue_state_pk" PRIMARY KEY("queue","state")
);
--> statement-breakpoint
CREATE TABLE "group_rotation" (
	"queue" text NOT NULL,
	"group_id" text NOT NULL,
	"last_claim" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "group_rotation_queue_group_id_pk" PRIMARY KEY("queue","group_id")
);
--> statement-breakpoint
CREATE TABLE "job_dependencies" (
	"parent_queue" text NOT NULL,
	"parent_id" text NOT NULL,
	"child_queue" text NOT NULL,
	"child_id" text NOT NULL,
	"status" text NOT NULL,
	"kind" text NOT NULL,
	"value" text,
	CONSTRAINT "job_dependencies_parent_queue_parent_id_child_queue_child_id_pk" PRIMARY KEY("parent_queue","parent_id","child_queue","child_id")
);
--> statement-breakpoint
CREATE TABLE "job_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_row_id" bigint NOT NULL,
	"message" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_schedulers" (
	"queue" text NOT NULL,
	"id" text NOT NULL,
	"pattern" text,
	"every" bigint,
	"tz" text,
	"limit" bigint,
	"start_date" bigint,
	"end_date" bigint,
	"immediately" integer DEFAULT 0 NOT NULL,
	"iteration_count" bigint DEFAULT 0 NOT NULL,
	"next_run" bigint,
	"template" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "job_schedulers_queue_id_pk" PRIMARY KEY("queue","id")
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"queue" text NOT NULL,
	"kind" text NOT NULL,
	"minute" bigint NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "metrics_queue_kind_minute_pk" PRIMARY KEY("queue","kind","minute")
);
--> statement-breakpoint
CREATE TABLE "queue_groups" (
	"queue" text NOT NULL,
	"group_id" text NOT NULL,
	"concurrency" integer NOT NULL,
	CONSTRAINT "queue_groups_queue_group_id_pk" PRIMARY KEY("queue","group_id")
);
--> statement-breakpoint
CREATE TABLE "queues" (
	"name" text PRIMARY KEY NOT NULL,
	"paused" integer DEFAULT 0 NOT NULL,
	"id_counter" bigint DEFAULT 0 NOT NULL,
	"seq_counter" bigint DEFAULT 0 NOT NULL,
	"global_concurrency" integer,
	"rate_limit_max" integer,
	"rate_limit_duration" bigint,
	"rate_limited_until" bigint,
	"group_concurrency" integer,
	"rate_window_start" bigint,
	"rate_window_count" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "job_logs" ADD CONSTRAINT "job_logs_job_row_id_jobs_id_fk" FOREIGN KEY ("job_row_id") REFERENCES "jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_queue_job_id" ON "jobs" USING btree ("queue","job_id");--> statement-breakpoint
CREATE INDEX "jobs_ready" ON "jobs" USING btree ("queue","priority","seq") WHERE state IN ('waiting', 'prioritized');--> statement-breakpoint
CREATE INDEX "jobs_delayed" ON "jobs" USING btree ("queue","run_at","seq") WHERE state = 'delayed';--> statement-breakpoint
CREATE INDEX "jobs_active" ON "jobs" USING btree ("locked_until") WHERE state = 'active';--> statement-breakpoint
CREATE INDEX "jobs_ready_group" ON "jobs" USING btree ("queue","group_id","priority","seq") WHERE state IN ('waiting', 'prioritized') AND group_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX "jobs_active_queue" ON "jobs" USING btree ("queue","group_id") WHERE state = 'active';--> statement-breakpoint
CREATE INDEX "jobs_finished" ON "jobs" USING btree ("queue","state","finished_on") WHERE state IN ('completed', 'failed');--> statement-breakpoint
CREATE INDEX "jobs_waiting_children" ON "jobs" USING btree ("queue","seq") WHERE state = 'waiting-children';--> statement-breakpoint
CREATE INDEX "jobs_parent" ON "jobs" USING btree ("parent_queue","parent_id") WHERE parent_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX "jobs_search" ON "jobs" USING btree ("queue","state","timestamp","id");--> statement-breakpoint
CREATE INDEX "jobs_search_name" ON "jobs" USING btree ("queue","state","name","timestamp","id");--> statement-breakpoint
CREATE INDEX "events_queue" ON "events" USING btree ("queue","id");--> statement-breakpoint
CREATE INDEX "group_rotation_order" ON "group_rotation" USING btree ("queue","last_claim");--> statement-breakpoint
CREATE INDEX "job_dependencies_child" ON "job_dependencies" USING btree ("child_queue","child_id");--> statement-breakpoint
CREATE INDEX "job_logs_job" ON "job_logs" USING btree ("job_row_id","id");