import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { QueueEngine } from '../composition/queue-engine.js';
import { exportEnginePrometheusMetrics } from '../metrics/prometheus-exposition.js';
import { BulliteError } from '../../shared/bullite-error.js';
import { DashboardApi, type ApiResult } from './dashboard-api.js';
import { DashboardLive } from './dashboard-live.js';
import { dashboardPage } from './dashboard-page.js';
import { checkRequest, newToken } from './dashboard-security.js';
import { parseInput } from '../validation/parse-input.js';
import { dashboardOptionsSchema } from '../validation/observability-options.schema.js';

export interface DashboardOptions {
  /** Access token; a random one by default. Every request must carry it (see dashboard-security.ts). */
  token?: string;
  /** Host headers accepted, e.g. ['127.0.0.1:3000']; default any loopback host name. */
  allowedHosts?: string[];
  /** Path the handler is mounted under in an app's own server, e.g. '/jobs'. */
  basePath?: string;
}

export interface Dashboard {
  readonly token: string;
  /** A node:http request handler; mount it in your own server or pass it to http.createServer. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Ends the live connections (the engine stays open: it is the caller's). */
  close(): void;
}

/** Bodies of actions are tiny JSON objects; anything larger is refused unread. */
const MAX_BODY = 16 * 1024;

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, result: ApiResult): void {
  send(res, result.status, 'application/json; charset=utf-8', JSON.stringify(result.body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BulliteError('ERR_BODY_TOO_LARGE', 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const parsed = text ? (JSON.parse(text) as unknown) : {};
  if (typeof parsed !== 'object' || parsed === null) throw new BulliteError('ERR_BAD_BODY', 'Expected a JSON object.');
  return parsed as Record<string, unknown>;
}

/**
 * The dashboard as an embeddable request handler (node:http, no framework): one static page plus a
 * JSON API, Prometheus metrics and a server-sent event stream, all behind the token.
 */
export function createDashboard(engine: QueueEngine, options: DashboardOptions = {}): Dashboard {
  const opts = parseInput(dashboardOptionsSchema, options, 'opts');
  const token = opts.token ?? newToken();
  const base = (opts.basePath ?? '').replace(/\/$/, '');
  const api = new DashboardApi(engine);
  const live = new DashboardLive(engine);

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!url.pathname.startsWith(base)) return send(res, 404, 'application/json', JSON.stringify({ error: 'Not found.' }));
    const path = url.pathname.slice(base.length) || '/';
    if (req.method === 'GET') {
      switch (path) {
        case '/': {
          const nonce = randomBytes(16).toString('base64');
          return send(res, 200, 'text/html; charset=utf-8', dashboardPage(nonce, base), {
            'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'self'`,
          });
        }
        case '/api/queues':
          return sendJson(res, await api.queues());
        case '/api/jobs':
          return sendJson(res, await api.jobs(url.searchParams));
        case '/api/job':
          return sendJson(res, await api.job(url.searchParams));
        case '/api/events':
          return live.attach(res);
        case '/metrics':
          return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', await exportEnginePrometheusMetrics(engine));
      }
    } else if (req.method === 'POST' && path === '/api/action') {
      return sendJson(res, await api.action(await readJson(req)));
    }
    send(res, 404, 'application/json', JSON.stringify({ error: 'Not found.' }));
  }

  return {
    token,
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
      const verdict = checkRequest(req, url, { token, allowedHosts: opts.allowedHosts });
      if (!verdict.ok) return send(res, verdict.status, 'application/json', JSON.stringify({ error: verdict.message }));
      route(req, res, url).catch((error: unknown) => {
        const status = error instanceof BulliteError ? 400 : 500;
        if (!res.headersSent) send(res, status, 'application/json', JSON.stringify({ error: (error as Error).message }));
        else res.end();
      });
    },
    close() {
      live.close();
    },
  };
}
