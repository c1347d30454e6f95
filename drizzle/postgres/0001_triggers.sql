-- Custom migration (drizzle-kit generate --custom): triggers cannot be expressed in the Drizzle schema.
-- The same two rules as the SQLite store's triggers (drizzle/0001 and 0005):
-- 1. A deleted job takes the dependency edges where it is the parent with it, whatever deleted it.
-- 2. finished_counts stays exact for every path that moves a job into or out of completed/failed, so
--    count retention deletes only the excess instead of walking past the `keep` newest rows.
-- (0000_init was edited to drop drizzle-kit's "public". qualifier on the job_logs foreign key: the
-- tables live in the schema the engine is opened with.)
CREATE FUNCTION bullite_jobs_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM job_dependencies WHERE parent_queue = OLD.queue AND parent_id = OLD.job_id;
  IF OLD.state IN ('completed', 'failed') THEN
    UPDATE finished_counts SET count = count - 1 WHERE queue = OLD.queue AND state = OLD.state;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER jobs_after_delete AFTER DELETE ON jobs FOR EACH ROW EXECUTE FUNCTION bullite_jobs_after_delete();
--> statement-breakpoint
CREATE FUNCTION bullite_jobs_finished_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.state IN ('completed', 'failed')
     AND (NEW.state IS DISTINCT FROM OLD.state OR NEW.queue IS DISTINCT FROM OLD.queue) THEN
    UPDATE finished_counts SET count = count - 1 WHERE queue = OLD.queue AND state = OLD.state;
  END IF;
  IF NEW.state IN ('completed', 'failed')
     AND (TG_OP = 'INSERT' OR NEW.state IS DISTINCT FROM OLD.state OR NEW.queue IS DISTINCT FROM OLD.queue) THEN
    INSERT INTO finished_counts (queue, state, count) VALUES (NEW.queue, NEW.state, 1)
      ON CONFLICT (queue, state) DO UPDATE SET count = finished_counts.count + 1;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER jobs_finished_count_insert AFTER INSERT ON jobs FOR EACH ROW
  WHEN (NEW.state IN ('completed', 'failed')) EXECUTE FUNCTION bullite_jobs_finished_count();
--> statement-breakpoint
CREATE TRIGGER jobs_finished_count_update AFTER UPDATE OF state, queue ON jobs FOR EACH ROW
  WHEN (OLD.state IN ('completed', 'failed') OR NEW.state IN ('completed', 'failed'))
  EXECUTE FUNCTION bullite_jobs_finished_count();
