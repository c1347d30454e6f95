-- Custom migration (drizzle-kit generate --custom): triggers cannot be expressed in the Drizzle schema.
-- Keeps finished_counts exact for every path that moves a job into or out of completed/failed; see
-- schema/finished-counts.table.ts. The first statement counts the jobs already stored.
INSERT INTO finished_counts (queue, state, count)
  SELECT queue, state, count(*) FROM jobs WHERE state IN ('completed', 'failed') GROUP BY queue, state;
--> statement-breakpoint
CREATE TRIGGER jobs_finished_count_insert AFTER INSERT ON jobs
WHEN NEW.state IN ('completed', 'failed')
BEGIN
  INSERT INTO finished_counts (queue, state, count) VALUES (NEW.queue, NEW.state, 1)
    ON CONFLICT (queue, state) DO UPDATE SET count = count + 1;
END;
--> statement-breakpoint
CREATE TRIGGER jobs_finished_count_delete AFTER DELETE ON jobs
WHEN OLD.state IN ('completed', 'failed')
BEGIN
  UPDATE finished_counts SET count = count - 1 WHERE queue = OLD.queue AND state = OLD.state;
END;
--> statement-breakpoint
CREATE TRIGGER jobs_finished_count_leave AFTER UPDATE OF state, queue ON jobs
WHEN OLD.state IN ('completed', 'failed') AND (NEW.state IS NOT OLD.state OR NEW.queue IS NOT OLD.queue)
BEGIN
  UPDATE finished_counts SET count = count - 1 WHERE queue = OLD.queue AND state = OLD.state;
END;
--> statement-breakpoint
CREATE TRIGGER jobs_finished_count_enter AFTER UPDATE OF state, queue ON jobs
WHEN NEW.state IN ('completed', 'failed') AND (NEW.state IS NOT OLD.state OR NEW.queue IS NOT OLD.queue)
BEGIN
  INSERT INTO finished_counts (queue, state, count) VALUES (NEW.queue, NEW.state, 1)
    ON CONFLICT (queue, state) DO UPDATE SET count = count + 1;
END;
