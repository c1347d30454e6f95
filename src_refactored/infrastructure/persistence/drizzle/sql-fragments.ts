/**
 * SQL pieces shared by several statements. Partial indexes are only used when the query repeats their
 * WHERE term literally (SQLite's prover does not derive `state IN (…)` from `state = ?`), hence these.
 */
export const READY = `state IN ('waiting', 'prioritized')`;
export const FINISHED = `state IN ('completed', 'failed')`;
/** The state a job enters when it becomes runnable again. */
export const READY_STATE_OF_ROW = `CASE WHEN priority > 0 THEN 'prioritized' ELSE 'waiting' END`;
/** Keeps a LIFO job (negative seq) at the front when it is re-sequenced. */
export const RESEQUENCE = `CASE WHEN seq < 0 THEN -@seq ELSE @seq END`;
