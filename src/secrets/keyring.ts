/**
 * The keys that seal tenant secrets: the current one (OMNI_SECRET_KEY, or on the embedded profile
 * a key generated once into the data folder) seals, it and OMNI_SECRET_KEY_PREVIOUS open. Held per
 * process, set by the runtime at start, because every domain that reads a tenant's settings needs
 * the same keys and none of them should carry a key object around.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SecretKey {
  /** A fingerprint stored beside each sealed value, so the right key opens it after a rotation. */
  id: string;
  bytes: Buffer;
}

export const KEY_FILE = 'secret.key';

/** 64 hex characters or base64 of 32 bytes are the key itself; any other (long) text is hashed. */
export function parseSecretKey(text: string): SecretKey {
  const trimmed = text.trim();
  let bytes: Buffer;
  if (/^[0-9a-f]{64}$/i.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  else bytes = createHash('sha256').update(trimmed).digest();
  const id = createHash('sha256')
    .update('omni-secret-key:')
    .update(bytes)
    .digest('hex')
    .slice(0, 8);
  return { id, bytes };
}

/** The embedded profile's key: read from the data folder, or generated there once (mode 0600). */
export function keyFromDataDir(dataDir: string): SecretKey {
  const path = join(dataDir, KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A key file copied in with looser permissions is tightened: only Omni's user may read it.
  chmodSync(path, 0o600);
  return parseSecretKey(readFileSync(path, 'utf8'));
}

/** In-memory databases (tests) live as long as the process: so does their key. */
let ephemeral: SecretKey | undefined;
export function ephemeralKey(): SecretKey {
  ephemeral ??= parseSecretKey(randomBytes(32).toString('hex'));
  return ephemeral;
}

let current: SecretKey | undefined;
/** Every key this process was given: a value sealed under any of them still opens. */
const known = new Map<string, SecretKey>();

export function setSecretKeys(sealing: SecretKey, previous: SecretKey[] = []): void {
  current = sealing;
  for (const key of [sealing, ...previous]) known.set(key.id, key);
}

export function sealingKey(): SecretKey {
  if (!current) throw new Error('No secret key: the runtime sets one at start (OMNI_SECRET_KEY).');
  return current;
}

export function keyById(id: string): SecretKey | undefined {
  return known.get(id);
}
