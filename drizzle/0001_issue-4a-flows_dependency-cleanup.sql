-- Custom SQL migration file, put your code below! --
-- A deleted job takes the dependency edges where it is the parent with it, whatever deleted it (retention
-- trims, clean, drain, remove, obliterate): one primary-key probe of job_dependencies per deleted row.
-- Edges where it is the child are kept: they hold its return value for the parent's getChildrenValues().
CREATE TRIGGER IF NOT EXISTS `jobs_drop_parent_edges` AFTER DELETE ON `jobs`
BEGIN
  DELETE FROM `job_dependencies` WHERE `parent_queue` = OLD.`queue` AND `parent_id` = OLD.`job_id`;
END;
