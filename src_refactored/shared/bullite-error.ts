/**
 * Base of every error bullite throws on purpose. `code` is stable across releases so that callers
 * (and the troubleshooting page) can match on it instead of on message text.
 */
export class BulliteError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Invalid input at the public edge. `field` is the dotted path of the offending option. */
export class ValidationError extends BulliteError {
  readonly field: string;
  readonly issues: readonly { path: string; message: string }[];

  constructor(field: string, message: string, issues?: readonly { path: string; message: string }[]) {
    super('ERR_VALIDATION', message);
    this.field = field;
    this.issues = issues ?? [{ path: field, message }];
  }
}
