import type { EncryptionCodec } from '../codec/encryption-codec.js';
import type { PayloadField } from '../codec/payload-codec.js';
import type { SqliteDb } from './sqlite-database.js';
import { SqliteTransactor } from './sqlite-transactor.js';
import { SqliteJobPayloads } from './sqlite-job-payloads.js';
import { JOB_DATA } from './sql-fragments.js';

/** Rows per transaction: the write lock is held for one batch at a time, so workers keep going. */
const BATCH = 500;

/**
 * Key rotation, last step: rewrites every payload that is plain or encrypted with a previous key under
 * the current key, in batches walking the rowid. Afterwards the previous keys can be dropped.
 */
export class SqlitePayloadRewriter {
  private readonly tx: SqliteTransactor;
  private readonly s;
  private readonly payloads: SqliteJobPayloads;

  constructor(
    db: SqliteDb,
    private readonly codec: EncryptionCodec,
  ) {
    this.tx = new SqliteTransactor(db);
    this.payloads = new SqliteJobPayloads(db);
    this.s = {
      jobs: db.prepare<[number, number], { id: number; data: string; returnvalue: string | null }>(
        `SELECT id, ${JOB_DATA} AS data, returnvalue FROM jobs WHERE id > ? ORDER BY id LIMIT ?`,
      ),
      setReturnvalue: db.prepare('UPDATE jobs SET returnvalue = ? WHERE id = ?'),
      logs: db.prepare<[number, number], { id: number; message: string }>('SELECT id, message FROM job_logs WHERE id > ? ORDER BY id LIMIT ?'),
      setLog: db.prepare('UPDATE job_logs SET message = ? WHERE id = ?'),
    };
  }

  async rewriteAll(): Promise<{ jobs: number; logs: number }> {
    let jobs = 0;
    let logs = 0;
    for (let after = 0; after >= 0; ) {
      [after, jobs] = await this.tx.write(() => this.jobBatch(after, jobs));
    }
    for (let after = 0; after >= 0; ) {
      [after, logs] = await this.tx.write(() => this.logBatch(after, logs));
    }
    return { jobs, logs };
  }

  private fresh(field: PayloadField, stored: string): string | null {
    return this.codec.needsRewrite(stored) ? this.codec.encode(field, this.codec.decode(field, stored)) : null;
  }

  /** Returns [last row id, or -1 when done; rows rewritten so far]. */
  private jobBatch(after: number, count: number): [number, number] {
    const rows = this.s.jobs.all(after, BATCH);
    for (const row of rows) {
      const data = this.fresh('data', row.data);
      const value = row.returnvalue === null ? null : this.fresh('returnvalue', row.returnvalue);
      if (data === null && value === null) continue;
      if (data !== null) this.payloads.replace(row.id, data);
      if (value !== null) this.s.setReturnvalue.run(value, row.id);
      count += 1;
    }
    return [rows.length < BATCH ? -1 : rows[rows.length - 1].id, count];
  }

  private logBatch(after: number, count: number): [number, number] {
    const rows = this.s.logs.all(after, BATCH);
    for (const row of rows) {
      const message = this.fresh('log', row.message);
      if (message === null) continue;
      this.s.setLog.run(message, row.id);
      count += 1;
    }
    return [rows.length < BATCH ? -1 : rows[rows.length - 1].id, count];
  }
}
