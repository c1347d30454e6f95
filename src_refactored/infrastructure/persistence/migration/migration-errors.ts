import { BulliteError } from '../../../shared/bullite-error.js';

/** The PostgreSQL store already holds data and neither --force nor --append was given (or --append would collide). */
export class MigrationTargetError extends BulliteError {
  constructor(message: string) {
    super('ERR_MIGRATION_TARGET', message);
  }
}

/** The SQLite file cannot be copied as it is (an older bullite wrote it, or a table is missing). */
export class MigrationSourceError extends BulliteError {
  constructor(message: string) {
    super('ERR_MIGRATION_SOURCE', message);
  }
}
