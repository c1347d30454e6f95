import type { EncryptionCodec } from '../codec/encryption-codec.js';
import type { PayloadField } from '../codec/payload-codec.js';
import type { PgStore } from './pg-store.js';
import { pgSql } from './pg-statement.js';

/** Rows per transaction: row locks are held for one batch at a time, so workers keep going. */
const BATCH = 500;

/**
 * Key rotation, last step: rewrites every payload that is plain or encrypted with a previous key under
 * the current key, in batches walking the id (the twin of SqlitePayloadRewriter). A batch's changed rows
 * are written by one UPDATE … FROM unnest(…), one round trip instead of one per row.
 */
export class PgPayloadRewriter {
  private readonly s = {
    jobs: pgSql<{ id: number; data: string; returnvalue: string | null }>(
      'SELECT id, data, returnvalue FROM jobs WHERE id > @after ORDER BY id LIMIT @limit FOR UPDATE',
    ),
    setJobs: pgSql(
      `UPDATE jobs SET data = u.data, returnvalue = u.returnvalue
       FROM unnest(@ids::bigint[], @data::text[], @values::text[]) AS u(id, data, returnvalue) WHERE jobs.id = u.id`,
    ),
    logs: pgSql<{ id: number; message: string }>('SELECT id, message FROM job_logs WHERE id > @after ORDER BY id LIMIT @limit FOR UPDATE'),
    setLogs: pgSql(
      `UPDATE job_logs SET message = u.message FROM unnest(@ids::bigint[], @messages::text[]) AS u(id, message) WHERE job_logs.id = u.id`,
    ),
  };

  constructor(
    private readonly store: PgStore,
    private readonly codec: EncryptionCodec,
  ) {}

  async rewriteAll(): Promise<{ jobs: number; logs: number }> {
    let jobs = 0;
    let logs = 0;
    for (let after = 0; after >= 0; ) {
      [after, jobs] = await this.store.tx.write(() => this.jobBatch(after, jobs));
    }
    for (let after = 0; after >= 0; ) {
      [after, logs] = await this.store.tx.write(() => this.logBatch(after, logs));
    }
    return { jobs, logs };
  }

  private fresh(field: PayloadField, stored: string): string | null {
    return this.codec.needsRewrite(stored) ? this.codec.encode(field, this.codec.decode(field, stored)) : null;
  }

  /** Returns [last row id, or -1 when done; rows rewritten so far]. */
  private async jobBatch(after: number, count: number): Promise<[number, number]> {
    const rows = await this.s.jobs.all(this.store.tx.ex, { after, limit: BATCH });
    const set = { ids: [] as number[], data: [] as string[], values: [] as (string | null)[] };
    for (const row of rows) {
      const data = this.fresh('data', row.data);
      const value = row.returnvalue === null ? null : this.fresh('returnvalue', row.returnvalue);
      if (data === null && value === null) continue;
      set.ids.push(row.id);
      set.data.push(data ?? row.data);
      set.values.push(value ?? row.returnvalue);
    }
    if (set.ids.length > 0) await this.s.setJobs.run(this.store.tx.ex, set);
    return [rows.length < BATCH ? -1 : rows[rows.length - 1]!.id, count + set.ids.length];
  }

  private async logBatch(after: number, count: number): Promise<[number, number]> {
    const rows = await this.s.logs.all(this.store.tx.ex, { after, limit: BATCH });
    const set = { ids: [] as number[], messages: [] as string[] };
    for (const row of rows) {
      const message = this.fresh('log', row.message);
      if (message === null) continue;
      set.ids.push(row.id);
      set.messages.push(message);
    }
    if (set.ids.length > 0) await this.s.setLogs.run(this.store.tx.ex, set);
    return [rows.length < BATCH ? -1 : rows[rows.length - 1]!.id, count + set.ids.length];
  }
}
