import type { Command } from 'commander';
import { openCliEngine, type CommonOptions } from './cli-context.js';
import { CliError, EXIT } from './cli-error.js';
import { printJson, type CliIo } from './cli-output.js';

/** `bullite dashboard --db file`: serves the dashboard until Ctrl-C. */
export function registerDashboardCommand(program: Command, common: (cmd: Command) => Command, io: CliIo): void {
  common(program.command('dashboard').description('serve the live dashboard on 127.0.0.1 (the printed URL carries the access token)'))
    .option('--port <port>', 'port to listen on (default: a free one)', '0')
    .option('--host <host>', 'interface to listen on; anything but 127.0.0.1 exposes your jobs to the network', '127.0.0.1')
    .action(async (opts: CommonOptions & { port: string; host: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0…65535, got "${opts.port}".`, EXIT.usage);
      const engine = await openCliEngine(opts);
      const { startDashboard } = await import('../dashboard/start-dashboard.js');
      let running;
      try {
        running = await startDashboard(engine, { host: opts.host, port });
      } catch (error) {
        await engine.close();
        throw new CliError(`Could not listen on ${opts.host}:${port}: ${(error as Error).message}. Try another --port.`, EXIT.failed);
      }
      if (opts.json) printJson(io, { url: running.url, token: running.token });
      else io.stdout.write(`bullite dashboard for ${engine.path}\nopen ${running.url}\n(Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await running.close();
      await engine.close();
    });
}
