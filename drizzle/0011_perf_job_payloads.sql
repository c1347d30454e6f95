-- Job data longer than 1 024 characters lives here instead of in its jobs row (sqlite-job-payloads.ts): every
-- state change rewrites the row, and with it the row's overflow pages (a 20 KB job: 19.5 WAL pages per claim
-- and completion, against 9.5 apart). Removed with its job by the cascade.
CREATE TABLE `job_payloads` (
	`id` integer PRIMARY KEY NOT NULL,
	`data` text NOT NULL,
	FOREIGN KEY (`id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
