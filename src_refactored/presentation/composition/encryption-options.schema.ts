import * as z from 'zod';

/** A 256-bit key: 32 bytes, or a string of 64 hex characters or of base64 for 32 bytes. */
export type EncryptionKey = Uint8Array | string;

function toKey(value: unknown): Buffer | null {
  if (value instanceof Uint8Array) return value.byteLength === 32 ? Buffer.from(value) : null;
  if (typeof value !== 'string') return null;
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const bytes = /^[A-Za-z0-9+/]{43}=?$/.test(value) ? Buffer.from(value, 'base64') : null;
  return bytes?.byteLength === 32 ? bytes : null;
}

const keySchema = z
  .custom<EncryptionKey>((v) => toKey(v) !== null, {
    error: 'must be a 32-byte key: a Buffer/Uint8Array of 32 bytes, 64 hex characters, or base64 of 32 bytes',
  })
  .transform((v) => toKey(v)!);

/** `encryption: { key, previousKeys? }`: AES-256-GCM of job data, return values and logs (docs/reliability.md). */
export const encryptionOptionsSchema = z.strictObject({
  key: keySchema,
  /** Older keys, used only to read values written before a rotation. */
  previousKeys: z.array(keySchema).max(32).optional(),
});
