import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QueueEngine } from '../composition/queue-engine.js';
import { createDashboard, type DashboardOptions } from './dashboard-handler.js';
import { parseInput } from '../validation/parse-input.js';
import { startDashboardOptionsSchema } from '../validation/observability-options.schema.js';

export interface StartDashboardOptions extends Omit<DashboardOptions, 'basePath'> {
  /** Interface to listen on; default 127.0.0.1 (only this machine can connect). */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
}

export interface RunningDashboard {
  /** The URL to open, token included. */
  readonly url: string;
  readonly token: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Serves the dashboard on its own HTTP server (what `bullite dashboard` runs). */
export async function startDashboard(engine: QueueEngine, options: StartDashboardOptions = {}): Promise<RunningDashboard> {
  const opts = parseInput(startDashboardOptionsSchema, options, 'opts');
  const host = opts.host ?? '127.0.0.1';
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  // Only the names this server is reached by; on 127.0.0.1 that is the loopback names and this port.
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  const names = loopback ? ['127.0.0.1', 'localhost', '[::1]'] : [shown];
  const allowedHosts = opts.allowedHosts ?? names.map((h) => `${h}:${port}`);
  const dashboard = createDashboard(engine, { token: opts.token, allowedHosts });
  server.on('request', (req, res) => dashboard.handle(req, res));
  return {
    url: `http://${shown}:${port}/?token=${dashboard.token}`,
    token: dashboard.token,
    server,
    async close() {
      dashboard.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
