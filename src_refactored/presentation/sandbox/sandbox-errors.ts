import { BulliteError } from '../../shared/bullite-error.js';

/**
 * The sandboxed processor's process or thread ended while running a job (crash, `process.exit`, out of
 * memory, killed). Only that attempt fails; it is retried per the job's options. BullMQ's wording.
 */
export class SandboxExitError extends BulliteError {
  constructor(
    readonly exitCode: number | null,
    readonly signal: string | null,
    detail?: string,
  ) {
    super('ERR_SANDBOX_EXIT', `Unexpected exit code: ${exitCode} signal: ${signal}${detail ? ` (${detail})` : ''}`);
  }
}
