import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, ValidationError, Worker, type Job } from '../../src_refactored/index.js';
import { nextEvent, openEngine } from '../support/engine-fixture.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const HOSTILE = [
  "q'; DROP TABLE jobs; --",
  'x" OR "1"="1',
  "') UNION SELECT * FROM sqlite_master --",
  'name; DELETE FROM jobs WHERE 1=1',
  '%_\\*?[]',
  '$1 @id :queue ?',
];

describe('SQL-looking input is data, never SQL', () => {
  it('queue names, job names, custom ids, data, logs and return values that look like SQL round-trip unchanged', async () => {
    const store = await openEngine('wal-file');
    closers.push(store.close);
    const bystander = new Queue('bystander', { connection: store.engine });
    closers.push(() => bystander.close());
    await bystander.add('keep-me', { safe: true });
    const tables = () => store.engine.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    const tablesBefore = tables();

    for (const text of HOSTILE) {
      const queue = new Queue(text, { connection: store.engine });
      const worker = new Worker(
        text,
        async (job: Job<{ payload: string }>) => {
          await job.log(text);
          await job.updateProgress({ text });
          return { echoed: job.data.payload };
        },
        { connection: store.engine },
      );
      const completed = nextEvent(worker, 'completed');
      const job = await queue.add(text, { payload: text, [text]: text }, { jobId: `id-${text}`, group: { id: text } });
      await completed;
      const stored = await queue.getJob(`id-${text}`);
      expect(stored).toMatchObject({ name: text, data: { payload: text, [text]: text }, returnvalue: { echoed: text }, progress: { text } });
      expect((await queue.getJobLogs(job.id)).logs).toEqual([text]);
      expect(await queue.getJobs(['completed'])).toHaveLength(1);
      expect(await queue.getJobCounts('completed')).toEqual({ completed: 1 });
      expect(await queue.getJob(text)).toBeUndefined(); // an id that is SQL text finds nothing
      expect(await queue.getJobState(`' OR 1=1 --`)).toBe('unknown');
      expect(await queue.remove(`' OR 1=1 --`)).toBe(0);
      await worker.close();
      await queue.clean(0, 0, 'completed');
      expect(await queue.getJobCounts('completed')).toEqual({ completed: 0 });
      await queue.obliterate();
      await queue.close();
    }
    expect(tables()).toEqual(tablesBefore);
    expect((await bystander.getJobs([])).map((j) => j.data)).toEqual([{ safe: true }]);
  });

  it('refuses names with control characters or surrounding spaces (they would corrupt tables and logs)', async () => {
    const store = await openEngine('memory');
    closers.push(store.close);
    expect(() => new Queue('bad\nqueue', { connection: store.engine })).toThrow(ValidationError);
    expect(() => new Queue(' padded ', { connection: store.engine })).toThrow(expect.objectContaining({ field: 'name' }));
    const queue = new Queue('ok', { connection: store.engine });
    closers.push(() => queue.close());
    await expect(queue.add('line\u001b[2Jbreak', {})).rejects.toMatchObject({ field: 'name', message: expect.stringMatching(/control characters/) });
    expect(await queue.count()).toBe(0);
  });

  it('every SQL text in the source interpolates only constants (values go through ? or @name parameters)', () => {
    // Interpolations allowed inside SQL strings: UPPER_CASE fragments from sql-fragments.ts, identifiers
    // passed through quoteIdent (schema, table and column names of our own schema), and these locally
    // computed pieces, each built from constants (state names of the JOB_STATES enum) or placeholders only.
    const SAFE_LOCALS = new Set([
      'where', 'placeholders', 'stateOrder', 'dir', 'timeColumn', 'stateTerm', 'i', 'synchronous',
      'inList', 'orderColumn(wanted)', 'schemaIdent', 'selectList',
    ]);
    const quotedIdentifier = /^quoteIdent\([\w.]+\)$|^[\w.]+(\.map\(\(\w+\) => \w+\.name\))?\.map\(quoteIdent\)\.join\(', '\)$/;
    const root = fileURLToPath(new URL('../../src_refactored/infrastructure', import.meta.url));
    const files: string[] = [];
    const walk = (dir: string) =>
      readdirSync(dir).forEach((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : f.endsWith('.ts') && files.push(join(dir, f))));
    walk(root);
    const unsafe: string[] = [];
    let statements = 0;
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      // SQLite's prepare/exec/pragma and PostgreSQL's query/pgSql/PgStatement.
      for (const match of source.matchAll(/(?:\.(?:prepare|exec|pragma|query)|pgSql|new PgStatement)(?:<[^>]*>)?\(\s*`([^`]*)`/g)) {
        statements += 1;
        for (const [, expr] of match[1].matchAll(/\$\{([^}]*)\}/g)) {
          if (!/^[A-Z][A-Z0-9_]*$/.test(expr) && !SAFE_LOCALS.has(expr) && !quotedIdentifier.test(expr)) unsafe.push(`${relative(root, file)}: \${${expr}}`);
        }
      }
    }
    expect(statements).toBeGreaterThan(100);
    expect(unsafe, 'review these interpolations: values must be bound parameters').toEqual([]);
  });
});
