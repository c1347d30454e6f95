CREATE TABLE `group_rotation` (
	`queue` text NOT NULL,
	`group_id` text NOT NULL,
	`last_claim` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`queue`, `group_id`)
);
--> statement-breakpoint
CREATE INDEX `group_rotation_order` ON `group_rotation` (`queue`,`last_claim`);--> statement-breakpoint
ALTER TABLE `queues` ADD `rate_window_start` integer;--> statement-breakpoint
ALTER TABLE `queues` ADD `rate_window_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `jobs_ready_group` ON `jobs` (`queue`,`group_id`,`priority`,`seq`) WHERE state IN ('waiting', 'prioritized') AND group_id IS NOT NULL;