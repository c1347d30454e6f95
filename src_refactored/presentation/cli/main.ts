// Entry point of the `bullite` command (bin/bullite.js loads this file, or its build in dist/).
import { runCli } from './bullite-cli.js';

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
