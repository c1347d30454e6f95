import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTaskTool, defineJob, Queue } from '../../src_refactored/index.js';
import { openEngine } from '../support/engine-fixture.js';

const summarize = defineJob({
  name: 'summarize',
  queue: 'tasks',
  schema: z.strictObject({ url: z.url(), maxWords: z.number().int().min(10).max(1000).default(100) }),
});
const translate = defineJob({
  name: 'translate',
  queue: 'tasks',
  schema: z.strictObject({ text: z.string().min(1).max(10_000), to: z.enum(['en', 'de', 'cs', 'fr']) }),
});

/** Twenty malformed tool calls of the kinds a form or a language model produces. */
const malformed: [unknown, string][] = [
  [undefined, 'input'],
  [null, 'input'],
  ['summarize https://x', 'input'],
  [42, 'input'],
  [[], 'input'],
  [{}, 'name'],
  [{ name: 7, data: {} }, 'name'],
  [{ name: 'sumarize', data: { url: 'https://a.example' } }, 'name'],
  [{ name: 'summarize' }, 'data'],
  [{ name: 'summarize', data: { url: 'not a url' } }, 'data.url'],
  [{ name: 'summarize', data: { url: 'https://a.example', maxWords: 5 } }, 'data.maxWords'],
  [{ name: 'summarize', data: { url: 'https://a.example', maxWords: 'many' } }, 'data.maxWords'],
  [{ name: 'summarize', data: { url: 'https://a.example', extra: true } }, 'data.extra'],
  [{ name: 'translate', data: { text: '', to: 'en' } }, 'data.text'],
  [{ name: 'translate', data: { text: 'hi', to: 'klingon' } }, 'data.to'],
  [{ name: 'translate', data: 'hi' }, 'data'],
  [{ name: 'translate', data: { text: 'hi', to: 'de' }, options: { priority: -1 } }, 'options.priority'],
  [{ name: 'translate', data: { text: 'hi', to: 'de' }, options: { removeOnComplete: false } }, 'options.removeOnComplete'],
  [{ name: 'translate', data: { text: 'hi', to: 'de' }, options: { jobId: '12' } }, 'options.jobId'],
  [{ name: 'translate', data: { text: 'hi', to: 'de' }, extra: 1 }, 'extra'],
];

describe('task-manager tool recipe', () => {
  let fixture: Awaited<ReturnType<typeof openEngine>>;
  afterEach(async () => fixture.close());

  it('returns structured problems for 20 malformed inputs and stores nothing', async () => {
    fixture = await openEngine('wal-file');
    const tool = createTaskTool(fixture.engine, [summarize, translate]);
    for (const [input, path] of malformed) {
      const result = await tool.submit(input);
      expect(result.ok, JSON.stringify(input)).toBe(false);
      if (result.ok) continue;
      expect(result.problems.length).toBeGreaterThan(0);
      expect(result.problems.map((p) => p.path), JSON.stringify(input)).toContain(path);
      for (const p of result.problems) expect(p.message.length).toBeGreaterThan(3);
    }
    expect(await new Queue('tasks', { connection: fixture.engine }).count()).toBe(0);
  });

  it('creates jobs for valid inputs, with defaults applied by the schema', async () => {
    fixture = await openEngine('memory');
    const tool = createTaskTool(fixture.engine, [summarize, translate]);
    const a = await tool.submit({ name: 'summarize', data: { url: 'https://a.example/post' } });
    const b = await tool.submit({ name: 'translate', data: { text: 'ahoj', to: 'en' }, options: { priority: 2, jobId: 'tr-1' } });
    expect(a).toEqual({ ok: true, job: { id: '1', queue: 'tasks', name: 'summarize', state: 'waiting' } });
    expect(b).toEqual({ ok: true, job: { id: 'tr-1', queue: 'tasks', name: 'translate', state: 'prioritized' } });
    const stored = await new Queue('tasks', { connection: fixture.engine }).getJob('1');
    expect(stored?.data).toEqual({ url: 'https://a.example/post', maxWords: 100 });
  });

  it('describes its jobs as JSON Schema for a tool list', async () => {
    fixture = await openEngine('memory');
    const tool = createTaskTool(fixture.engine, [summarize, translate]);
    const described = tool.describe();
    expect(described.map((d) => d.name)).toEqual(['summarize', 'translate']);
    expect(described[1].dataSchema).toMatchObject({ type: 'object', properties: { to: { enum: ['en', 'de', 'cs', 'fr'] } } });
  });
});
