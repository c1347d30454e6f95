import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ENCRYPTED_MARKER, EncryptionError, isEncrypted, type PayloadCodec, type PayloadField } from './payload-codec.js';

const IV_BYTES = 12; // the GCM standard nonce size; random per value (2^32 values per key stay far from collision risk)
const TAG_BYTES = 16;

/** A key's id: 8 hex chars of a hash of the key, stored with each value so the right key is found after rotation. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('bullite-key-id:').update(key).digest('hex').slice(0, 8);
}

/**
 * AES-256-GCM for payload columns. Stored form: `\u0001enc1:<keyId>:<base64(iv | tag | ciphertext)>`.
 * The column name is the additional authenticated data, so a value moved to another column fails to
 * decrypt. New values use `key`; `previousKeys` only decrypt (key rotation). Values stored before
 * encryption was turned on are read as they are.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly currentId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly key: Buffer,
    previousKeys: readonly Buffer[] = [],
  ) {
    this.currentId = keyId(key);
    for (const k of [key, ...previousKeys]) this.keys.set(keyId(k), k);
  }

  /** The id new values are written with (shown by docs/tools to check which key a store uses). */
  get currentKeyId(): string {
    return this.currentId;
  }

  encode(field: PayloadField, text: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(field));
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    return `${ENCRYPTED_MARKER}${this.currentId}:${sealed}`;
  }

  decode(field: PayloadField, stored: string): string {
    if (!isEncrypted(stored)) return stored;
    const id = stored.slice(ENCRYPTED_MARKER.length, ENCRYPTED_MARKER.length + 8);
    const key = this.keys.get(id);
    if (key === undefined) {
      throw new EncryptionError('ERR_ENCRYPTION_KEY', `A stored ${field} was encrypted with key ${id}, which is neither encryption.key nor in encryption.previousKeys`);
    }
    const sealed = Buffer.from(stored.slice(ENCRYPTED_MARKER.length + 9), 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(field));
      decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new EncryptionError('ERR_DECRYPT', `A stored ${field} failed authentication with key ${id}: it was altered or copied from elsewhere`);
    }
  }

  /** True when `stored` is plain or written with an older key (what a re-encryption pass rewrites). */
  needsRewrite(stored: string): boolean {
    return !stored.startsWith(`${ENCRYPTED_MARKER}${this.currentId}:`);
  }
}
