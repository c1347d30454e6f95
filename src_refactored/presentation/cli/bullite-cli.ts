import { Command, CommanderError } from 'commander';
import { BulliteError, ValidationError } from '../../shared/bullite-error.js';
import { CliError, EXIT } from './cli-error.js';
import type { CliIo } from './cli-output.js';
import { registerJobCommands } from './job-commands.js';
import { registerQueueCommands } from './queue-commands.js';
import { registerDashboardCommand } from './dashboard-command.js';
import { registerMigrateCommand } from './migrate-command.js';

/** The options every command takes. */
function common(cmd: Command): Command {
  return cmd
    .option('--db <file|url>', 'the bullite database file, or postgres://…?schema=name (or set BULLITE_DB)')
    .option('-q, --queue <name>', 'the queue (default: the only queue of the database)')
    .option('--json', 'print JSON for scripts instead of tables')
    .option('--progress', 'draw the progress bar of long operations even when stderr is not a terminal');
}

function buildProgram(io: CliIo): Command {
  const program = new Command('bullite')
    .description('Inspect and manage bullite job queues in a SQLite file or a PostgreSQL database.')
    .showHelpAfterError('(run bullite --help for the commands)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  registerQueueCommands(program, common, io);
  registerJobCommands(program, common, io);
  registerDashboardCommand(program, common, io);
  registerMigrateCommand(program, io);
  return program;
}

/** Runs one command line (argv without node and script); resolves with the exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(args, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version output end here with code 0; usage mistakes were already printed by commander.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`bullite: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ValidationError) {
      io.stderr.write(`bullite: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof BulliteError) {
      io.stderr.write(`bullite: ${error.message} (${error.code})\n`);
      return EXIT.failed;
    }
    io.stderr.write(`bullite: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT.failed;
  }
}
