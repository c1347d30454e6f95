DROP INDEX `jobs_search`;--> statement-breakpoint
DROP INDEX `jobs_search_name`;--> statement-breakpoint
CREATE INDEX `jobs_search` ON `jobs` (`queue`,`state`,`timestamp`) WHERE state <> 'active';--> statement-breakpoint
CREATE INDEX `jobs_search_name` ON `jobs` (`queue`,`state`,`name`,`timestamp`) WHERE state <> 'active';