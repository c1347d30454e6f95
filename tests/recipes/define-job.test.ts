import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTypedWorker, defineJob, JobDataValidationError, Queue } from '../../src_refactored/index.js';
import { nextEvent, openEngine, until } from '../support/engine-fixture.js';

const sendEmail = defineJob({
  name: 'send-email',
  queue: 'notify',
  schema: z.strictObject({
    to: z.email(),
    subject: z.string().min(1).max(200),
    cc: z.array(z.email()).max(5).optional(),
  }),
  result: z.object({ messageId: z.string() }),
  defaults: { attempts: 3 },
});

const sendSms = defineJob({
  name: 'send-sms',
  queue: 'notify',
  schema: z.object({ phone: z.string().regex(/^\+\d{8,15}$/), text: z.string().max(160) }),
});

describe('typed job definitions', () => {
  let fixture: Awaited<ReturnType<typeof openEngine>>;
  afterEach(async () => fixture.close());

  it('rejects bad data listing every bad path, and stores nothing', async () => {
    fixture = await openEngine('memory');
    const error = await sendEmail
      .add(fixture.engine, { to: 'not-an-email', subject: '', cc: ['ok@example.com', 'nope'], extra: 1 } as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobDataValidationError);
    const paths = (error as JobDataValidationError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['data.cc[1]', 'data.extra', 'data.subject', 'data.to']);
    expect((error as JobDataValidationError).code).toBe('ERR_JOB_DATA_INVALID');
    expect(await new Queue('notify', { connection: fixture.engine }).count()).toBe(0);
  });

  it('adds valid data with the definition defaults and processes it with typed data', async () => {
    fixture = await openEngine('memory');
    const job = await sendEmail.add(fixture.engine, { to: 'ada@example.com', subject: 'hi' });
    expect(job.opts.attempts).toBe(3);
    const worker = sendEmail.worker(fixture.engine, async (j) => ({ messageId: `m-${j.data.to}` }));
    const [, result] = await nextEvent<[unknown, { messageId: string }]>(worker, 'completed');
    expect(result).toEqual({ messageId: 'm-ada@example.com' });
    await worker.close();
  });

  it('several definitions share one worker; unknown names fail at once with a clear error', async () => {
    fixture = await openEngine('memory');
    const worker = createTypedWorker(fixture.engine, [
      sendEmail.handle(async () => ({ messageId: 'e' })),
      sendSms.handle(async (j) => `sms to ${j.data.phone}`),
    ]);
    const outcomes: string[] = [];
    worker.on('completed', (j, r) => outcomes.push(`${j.name}:${JSON.stringify(r)}`));
    worker.on('failed', (j, e) => outcomes.push(`${j.name}:failed:${e.message}`));
    await sendSms.add(fixture.engine, { phone: '+420123456789', text: 'hello' });
    await sendEmail.add(fixture.engine, { to: 'b@example.com', subject: 's' });
    const stray = await new Queue('notify', { connection: fixture.engine }).add('send-fax', {}, { attempts: 5 });
    await until(() => outcomes.length === 3);
    expect(outcomes).toContain('send-sms:"sms to +420123456789"');
    expect(outcomes).toContain('send-email:{"messageId":"e"}');
    expect(outcomes.find((o) => o.startsWith('send-fax'))).toBe('send-fax:failed:No handler for job "send-fax" on queue "notify"; this worker handles: send-email, send-sms');
    expect((await stray.getState())).toBe('failed');
    await worker.close();
  });

  it('a processor result that breaks the result schema fails the attempt', async () => {
    fixture = await openEngine('memory');
    await sendEmail.add(fixture.engine, { to: 'c@example.com', subject: 's' }, { attempts: 1 });
    const worker = sendEmail.worker(fixture.engine, async () => ({ wrong: true }) as never);
    const [, error] = await nextEvent<[unknown, Error]>(worker, 'failed');
    expect(error.message).toContain('returnvalue.messageId');
    await worker.close();
  });
});
