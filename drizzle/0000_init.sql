CREATE TABLE `deduplication_keys` (
	`queue` text NOT NULL,
	`dedup_id` text NOT NULL,
	`job_id` text NOT NULL,
	`expires_at` integer,
	PRIMARY KEY(`queue`, `dedup_id`)
);
--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`queue` text NOT NULL,
	`event` text NOT NULL,
	`job_id` text,
	`payload` text NOT NULL,
	`timestamp` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_queue` ON `events` (`queue`,`id`);--> statement-breakpoint
CREATE TABLE `job_dependencies` (
	`parent_queue` text NOT NULL,
	`parent_id` text NOT NULL,
	`child_queue` text NOT NULL,
	`child_id` text NOT NULL,
	`status` text NOT NULL,
	`kind` text NOT NULL,
	`value` text,
	PRIMARY KEY(`parent_queue`, `parent_id`, `child_queue`, `child_id`)
);
--> statement-breakpoint
CREATE INDEX `job_dependencies_child` ON `job_dependencies` (`child_queue`,`child_id`);--> statement-breakpoint
CREATE TABLE `job_logs` (
	`id` integer PRIMARY KEY NOT NULL,
	`job_row_id` integer NOT NULL,
	`message` text NOT NULL,
	FOREIGN KEY (`job_row_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `job_logs_job` ON `job_logs` (`job_row_id`,`id`);--> statement-breakpoint
CREATE TABLE `job_schedulers` (
	`queue` text NOT NULL,
	`id` text NOT NULL,
	`pattern` text,
	`every` integer,
	`tz` text,
	`limit` integer,
	`start_date` integer,
	`end_date` integer,
	`immediately` integer DEFAULT 0 NOT NULL,
	`iteration_count` integer DEFAULT 0 NOT NULL,
	`next_run` integer,
	`template` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`queue`, `id`)
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`job_id` text NOT NULL,
	`name` text NOT NULL,
	`data` text NOT NULL,
	`opts` text NOT NULL,
	`state` text NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`seq` integer NOT NULL,
	`timestamp` integer NOT NULL,
	`delay` integer DEFAULT 0 NOT NULL,
	`run_at` integer,
	`attempts_made` integer DEFAULT 0 NOT NULL,
	`attempts_started` integer DEFAULT 0 NOT NULL,
	`stalled_counter` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 1 NOT NULL,
	`progress` text,
	`returnvalue` text,
	`failed_reason` text,
	`stacktrace` text,
	`processed_on` integer,
	`finished_on` integer,
	`processed_by` text,
	`lock_token` text,
	`locked_until` integer,
	`group_id` text,
	`parent_queue` text,
	`parent_id` text,
	`pending_deps` integer DEFAULT 0 NOT NULL,
	`cancel_reason` text,
	`dedup_id` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_queue_job_id` ON `jobs` (`queue`,`job_id`);--> statement-breakpoint
CREATE INDEX `jobs_ready` ON `jobs` (`queue`,`priority`,`seq`) WHERE state IN ('waiting', 'prioritized');--> statement-breakpoint
CREATE INDEX `jobs_delayed` ON `jobs` (`queue`,`run_at`,`seq`) WHERE state = 'delayed';--> statement-breakpoint
CREATE INDEX `jobs_active` ON `jobs` (`locked_until`) WHERE state = 'active';--> statement-breakpoint
CREATE INDEX `jobs_active_queue` ON `jobs` (`queue`,`group_id`) WHERE state = 'active';--> statement-breakpoint
CREATE INDEX `jobs_finished` ON `jobs` (`queue`,`state`,`finished_on`) WHERE state IN ('completed', 'failed');--> statement-breakpoint
CREATE INDEX `jobs_waiting_children` ON `jobs` (`queue`,`seq`) WHERE state = 'waiting-children';--> statement-breakpoint
CREATE INDEX `jobs_parent` ON `jobs` (`parent_queue`,`parent_id`) WHERE parent_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `metrics` (
	`queue` text NOT NULL,
	`kind` text NOT NULL,
	`minute` integer NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`queue`, `kind`, `minute`)
);
--> statement-breakpoint
CREATE TABLE `queue_groups` (
	`queue` text NOT NULL,
	`group_id` text NOT NULL,
	`concurrency` integer NOT NULL,
	PRIMARY KEY(`queue`, `group_id`)
);
--> statement-breakpoint
CREATE TABLE `queues` (
	`name` text PRIMARY KEY NOT NULL,
	`paused` integer DEFAULT 0 NOT NULL,
	`id_counter` integer DEFAULT 0 NOT NULL,
	`seq_counter` integer DEFAULT 0 NOT NULL,
	`global_concurrency` integer,
	`rate_limit_max` integer,
	`rate_limit_duration` integer,
	`rate_limited_until` integer,
	`group_concurrency` integer
);
