import type { Statement } from 'better-sqlite3';
import type { ClaimRequest } from '../../../core/application/ports/job-record.js';
import type { JobRow } from './job-row.mapper.js';
import { CLAIM_SET_POSITIONAL, READY, claimValues } from './sql-fragments.js';

/**
 * Locks a job row a claim picked: CLAIM_SET_POSITIONAL's values, then the row id. Both claim paths (the
 * ready-index walk of sqlite-job-lifecycle.ts, the group rotation) read the row first and lock it by id,
 * not with one `UPDATE … RETURNING`, whose ephemeral table of the row's 31 columns cost more than the read
 * (figures at PLAIN_CLAIM_SQL). The caller holds the write transaction, so the row is still ready; READY is
 * checked anyway and the changes counted.
 */
export const LOCK_CLAIMED_SQL = `UPDATE jobs SET ${CLAIM_SET_POSITIONAL} WHERE id = ? AND ${READY}`;

/**
 * The lock of one claim batch (`lock`: LOCK_CLAIMED_SQL prepared): locks each row it is given and patches
 * it to what the claim stored, so the row reads as a fresh read would.
 */
export function claimLocker(lock: Statement<unknown[]>, request: ClaimRequest, now: number): (row: JobRow) => void {
  const args = [...claimValues(request, now), 0];
  const idAt = args.length - 1;
  return (row) => {
    args[idAt] = row.id;
    if (lock.run(args).changes !== 1) throw new Error(`claim: job row ${row.id} was not ready inside the claiming transaction`);
    row.state = 'active';
    row.lock_token = request.token;
    row.locked_until = now + request.lockMs;
    row.processed_on = now;
    row.attempts_started += 1;
    row.processed_by = request.workerName;
  };
}
