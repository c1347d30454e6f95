import { BulliteError } from '../../../shared/bullite-error.js';

/** Stored columns that may carry user payload: job data, return values and log lines. */
export type PayloadField = 'data' | 'returnvalue' | 'log';

/**
 * Turns payload text into what is stored and back, at the repository boundary (writer, mapper,
 * queries). Two implementations: `plainCodec` (the default, stores the text as is) and the AES-256-GCM
 * codec of encryption-codec.ts.
 */
export interface PayloadCodec {
  encode(field: PayloadField, text: string): string;
  decode(field: PayloadField, stored: string): string;
}

/**
 * Encrypted values start with this marker. No JSON text starts with U+0001 (JSON allows only
 * whitespace before a value and escapes control characters inside strings), so for data and return
 * values the marker is unambiguous; a log line would have to start with that control character.
 */
export const ENCRYPTED_MARKER = '\u0001enc1:';
const MARKER_CODE = 1;

/** A value could not be decrypted: no key for it, the wrong key, or altered bytes. Nothing is returned. */
export class EncryptionError extends BulliteError {
  constructor(code: 'ERR_ENCRYPTION_KEY' | 'ERR_DECRYPT', message: string) {
    super(code, message);
  }
}

export function isEncrypted(stored: string): boolean {
  return stored.charCodeAt(0) === MARKER_CODE && stored.startsWith(ENCRYPTED_MARKER);
}

/** The default: text is stored as is. One char check on read so an encrypted store fails clearly. */
export const plainCodec: PayloadCodec = {
  encode: (_field, text) => text,
  decode: (field, stored) => {
    if (stored.charCodeAt(0) === MARKER_CODE && isEncrypted(stored)) {
      throw new EncryptionError('ERR_ENCRYPTION_KEY', `This store holds encrypted ${field}: open the engine with encryption: { key }`);
    }
    return stored;
  },
};
