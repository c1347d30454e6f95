import { BulliteError } from '../../shared/bullite-error.js';

/** Exit codes of `bullite`: 0 done, 1 the operation failed (missing job, wrong state), 2 bad usage or bad --db. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** An error the CLI reports as one line (plus what to do) and an exit code, without a stack trace. */
export class CliError extends BulliteError {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super('ERR_CLI', message);
  }
}
