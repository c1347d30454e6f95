-- Count retention no longer reads finished_counts (sqlite-job-lifecycle.ts applyRetention: an index skip
-- once per retentionSlack settles). Its four triggers cost ~10 µs CPU and ~1.2 WAL pages of every
-- completing commit. The triggers are dropped by hand: drizzle-kit does not model them (migration 0005).
DROP TRIGGER IF EXISTS jobs_finished_count_insert;--> statement-breakpoint
DROP TRIGGER IF EXISTS jobs_finished_count_delete;--> statement-breakpoint
DROP TRIGGER IF EXISTS jobs_finished_count_leave;--> statement-breakpoint
DROP TRIGGER IF EXISTS jobs_finished_count_enter;--> statement-breakpoint
DROP TABLE `finished_counts`;
