import { BulliteError } from '../../../shared/bullite-error.js';

/** The file could not be opened as a bullite store: not SQLite, read-only, corrupt, or unreachable. */
export class DatabaseOpenError extends BulliteError {
  constructor(
    readonly path: string,
    message: string,
    cause?: unknown,
  ) {
    super('ERR_DATABASE_OPEN', message, { cause });
  }
}

/** A write the store could not make (disk full, file gone, lock held too long). Nothing was changed. */
export class StorageError extends BulliteError {
  constructor(message: string, cause?: unknown) {
    super('ERR_STORAGE', message, { cause });
  }
}
