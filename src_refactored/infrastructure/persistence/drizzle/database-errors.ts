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

/** Why a store call failed: disk/size limit full, file deleted or replaced, I/O error, write lock held too long. */
export type StorageFailure = 'full' | 'moved' | 'io' | 'busy';

/** A write the store could not make (disk full, file gone, lock held too long). Nothing was changed. */
export class StorageError extends BulliteError {
  constructor(
    message: string,
    cause?: unknown,
    readonly failure: StorageFailure = 'io',
  ) {
    super('ERR_STORAGE', message, { cause });
  }
}
