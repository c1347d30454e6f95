PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_events` (
	`id` integer PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`event` text NOT NULL,
	`job_id` text,
	`payload` text NOT NULL,
	`timestamp` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_events`("id", "queue", "event", "job_id", "payload", "timestamp") SELECT "id", "queue", "event", "job_id", "payload", "timestamp" FROM `events`;--> statement-breakpoint
DROP TABLE `events`;--> statement-breakpoint
ALTER TABLE `__new_events` RENAME TO `events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `events_queue` ON `events` (`queue`,`id`);