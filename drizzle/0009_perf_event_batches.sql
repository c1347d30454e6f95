-- Events stored as batches (events.table.ts). Hand-edited drizzle-kit rebuild: each existing event
-- becomes a batch of one with the same id, its payload kept as the stored (possibly encrypted) string.
CREATE TABLE `__new_events` (
	`id` integer PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`count` integer NOT NULL,
	`batch` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_events`("id", "queue", "count", "batch") SELECT "id", "queue", 1, json_array(json_array("event", "job_id", "payload", "timestamp")) FROM `events`;--> statement-breakpoint
DROP TABLE `events`;--> statement-breakpoint
ALTER TABLE `__new_events` RENAME TO `events`;--> statement-breakpoint
CREATE INDEX `events_queue` ON `events` (`queue`,`id`);
