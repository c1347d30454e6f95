-- Custom migration: finished_counts counted per statement into per-session shards (schema change in 0002).
-- 1. Shards. With one (queue, state) row, every completing transaction held that row's lock from its
--    trigger UPDATE until COMMIT, so completions of one queue committed one at a time across all
--    processes (4 worker processes: 20–28 jobs/s, the bench's W7 and the multi-process test). Each
--    backend now adds to the shard pg_backend_pid() % 32, so concurrent sessions rarely meet on a row;
--    readers sum the ≤ 32 rows of a (queue, state) through the primary key.
-- 2. Statement-level triggers with transition tables. A per-row trigger updating one counter row N times
--    in one transaction leaves N row versions to walk: deleting 24 000 finished jobs in one statement
--    took ~30 s; counted per statement it is one upsert per (queue, state).
DROP TRIGGER jobs_finished_count_insert ON jobs;
--> statement-breakpoint
DROP TRIGGER jobs_finished_count_update ON jobs;
--> statement-breakpoint
DROP FUNCTION bullite_jobs_finished_count();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION bullite_jobs_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM job_dependencies WHERE parent_queue = OLD.queue AND parent_id = OLD.job_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION bullite_finished_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO finished_counts (queue, state, shard, count)
    SELECT queue, state, pg_backend_pid() % 32, count(*) FROM new_rows
     WHERE state IN ('completed', 'failed') GROUP BY queue, state
  ON CONFLICT (queue, state, shard) DO UPDATE SET count = finished_counts.count + EXCLUDED.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION bullite_finished_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO finished_counts (queue, state, shard, count)
    SELECT queue, state, pg_backend_pid() % 32, -count(*) FROM old_rows
     WHERE state IN ('completed', 'failed') GROUP BY queue, state
  ON CONFLICT (queue, state, shard) DO UPDATE SET count = finished_counts.count + EXCLUDED.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION bullite_finished_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Most UPDATEs on jobs (claims, lock renewals, progress) move nothing into or out of a finished state:
  -- the join finds no changed row and nothing is written.
  INSERT INTO finished_counts (queue, state, shard, count)
    SELECT queue, state, pg_backend_pid() % 32, sum(delta) FROM (
      SELECT n.queue, n.state, 1 AS delta FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE n.state IN ('completed', 'failed') AND (n.state IS DISTINCT FROM o.state OR n.queue IS DISTINCT FROM o.queue)
      UNION ALL
      SELECT o.queue, o.state, -1 FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE o.state IN ('completed', 'failed') AND (n.state IS DISTINCT FROM o.state OR n.queue IS DISTINCT FROM o.queue)
    ) AS moves GROUP BY queue, state
  ON CONFLICT (queue, state, shard) DO UPDATE SET count = finished_counts.count + EXCLUDED.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER jobs_finished_inserted AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bullite_finished_inserted();
--> statement-breakpoint
CREATE TRIGGER jobs_finished_deleted AFTER DELETE ON jobs REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bullite_finished_deleted();
--> statement-breakpoint
CREATE TRIGGER jobs_finished_updated AFTER UPDATE ON jobs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION bullite_finished_updated();
