import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createDashboard, QueueEvents, registerPrometheusMetrics, startDashboard, ValidationError } from '../../src_refactored/index.js';
import { openEngine } from '../support/engine-fixture.js';

describe('observability options are validated at the edge', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('names the bad field and starts nothing', async () => {
    const { engine, close } = await openEngine('memory');
    cleanups.push(close);
    expect(() => createDashboard(engine, { token: 'short' })).toThrow(expect.objectContaining({ field: 'opts.token' }));
    expect(() => createDashboard(engine, { basePath: 'jobs?x=1' })).toThrow(/basePath must look like/);
    await expect(startDashboard(engine, { port: 70_000 })).rejects.toThrow(ValidationError);
    expect(() => registerPrometheusMetrics(new Registry(), engine, { queues: [''] })).toThrow(expect.objectContaining({ field: 'opts.queues[0]' }));
    expect(() => new QueueEvents('q', { connection: engine, lastEventId: '1700000000000-0' })).toThrow(/lastEventId must be an event id/);
  });
});
