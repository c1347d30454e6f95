import type { ServerResponse } from 'node:http';
import type { QueueEngine } from '../composition/queue-engine.js';
import type { EventFollower } from '../../core/application/services/events.service.js';

/** Idle SSE connections get a comment this often so proxies and browsers keep them open. */
const HEARTBEAT_MS = 15_000;
/**
 * Events are coalesced into at most one message per this many ms: a queue running thousands of jobs a
 * second would otherwise send thousands of messages to every page, which only needs "this changed".
 */
const COALESCE_MS = 100;

/**
 * Server-sent events for the page: one follower of the durable stream (every queue, this process's
 * events and other processes' alike) fanned out to every open page. Started with the first client,
 * stopped with the last.
 */
export class DashboardLive {
  private readonly clients = new Set<ServerResponse>();
  private follower: EventFollower | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private batch: { lastId: string; queues: Set<string>; events: number } | undefined;
  private batchTimer: NodeJS.Timeout | undefined;

  constructor(private readonly engine: QueueEngine) {}

  async attach(res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    this.clients.add(res);
    res.on('close', () => this.detach(res));
    if (this.follower === undefined) {
      const from = await this.engine.eventStream.latestId(null);
      if (this.clients.size === 0 || this.follower !== undefined) return;
      this.follower = this.engine.eventStream.follow(null, from, (event) => {
        this.batch ??= { lastId: event.id, queues: new Set(), events: 0 };
        this.batch.lastId = event.id;
        this.batch.queues.add(event.queue);
        this.batch.events += 1;
        this.batchTimer ??= setTimeout(() => this.sendBatch(), COALESCE_MS);
      });
      this.heartbeat = setInterval(() => {
        for (const client of this.clients) client.write(': keep-alive\n\n');
      }, HEARTBEAT_MS);
      this.heartbeat.unref();
    }
  }

  close(): void {
    for (const client of [...this.clients]) client.end();
    this.stop();
  }

  private sendBatch(): void {
    this.batchTimer = undefined;
    const batch = this.batch;
    this.batch = undefined;
    if (batch === undefined) return;
    const data = JSON.stringify({ lastId: batch.lastId, queues: [...batch.queues], events: batch.events });
    for (const client of this.clients) client.write(`event: queue-events\ndata: ${data}\n\n`);
  }

  private detach(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }

  private stop(): void {
    this.follower?.close();
    this.follower = undefined;
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    this.batch = undefined;
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
