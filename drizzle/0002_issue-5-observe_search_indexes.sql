CREATE INDEX `jobs_search` ON `jobs` (`queue`,`state`,`timestamp`);--> statement-breakpoint
CREATE INDEX `jobs_search_name` ON `jobs` (`queue`,`state`,`name`,`timestamp`);