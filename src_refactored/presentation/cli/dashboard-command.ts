import type { Command } from 'commander';
import type { CliIo } from './cli-output.js';

export function registerDashboardCommand(program: Command, common: (cmd: Command) => Command, io: CliIo): void {
  void program;
  void common;
  void io;
}
