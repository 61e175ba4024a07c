/**
 * One sealed value: AES-256-GCM (node:crypto) with a fresh 12-byte nonce, the setting's name as
 * associated data (a sealed value moved to another setting does not open), stored as
 * `enc:v1:<key id>:<base64url(nonce | tag | ciphertext)>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { keyById, type SecretKey, sealingKey } from './keyring.ts';

const PREFIX = 'enc:v1:';

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX);
}

/** The id of the key a sealed value needs. */
export function sealedKeyId(value: string): string {
  return value.slice(PREFIX.length).split(':')[0] ?? '';
}

export function seal(plain: string, setting: string, key: SecretKey = sealingKey()): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, nonce);
  cipher.setAAD(Buffer.from(setting));
  const encrypted = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const packed = Buffer.concat([nonce, cipher.getAuthTag(), encrypted]).toString('base64url');
  return `${PREFIX}${key.id}:${packed}`;
}

/** The plain value, or undefined when no known key opens it (a wrong OMNI_SECRET_KEY). */
export function open(sealed: string, setting: string): string | undefined {
  const [keyId, packed] = sealed.slice(PREFIX.length).split(':');
  const key = keyById(keyId ?? '');
  if (!key || !packed) return undefined;
  const bytes = Buffer.from(packed, 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(setting));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
