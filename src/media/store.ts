/**
 * Where media files live: one small interface, so the local folder (embedded default) and object
 * storage are interchangeable and proven by one conformance suite (test/media/store.test.ts).
 * Content-addressed: a file's key is its tenant and SHA-256, so the same file is kept once per
 * tenant and a redelivery writes nothing new. The store never interprets what it keeps.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.ts';

export interface StoredFile {
  key: string;
  sha256: string;
  sizeBytes: number;
}

export interface MediaStore {
  /** `local` or `s3`: shown by doctor and health. */
  kind: string;
  put(tenantId: string, bytes: Uint8Array): Promise<StoredFile>;
  /** The file's bytes, or undefined when nothing is stored under the key. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Deleting a key that holds nothing is not an error. */
  delete(key: string): Promise<void>;
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `<tenant>/<first two hex digits>/<sha256>`: a tenant's files stay under its own prefix. */
export function contentKey(tenantId: string, sha256: string): string {
  return `${tenantId}/${sha256.slice(0, 2)}/${sha256}`;
}

const KEY = /^[0-9a-f-]{36}\/[0-9a-f]{2}\/[0-9a-f]{64}$/;

/** Files in a folder. Written to a temporary name and renamed, so a reader never sees half a file. */
export function localMediaStore(folder: string): MediaStore {
  const root = resolve(folder);
  const pathOf = (key: string) => {
    // Keys come from our own rows, but a key that could climb out of the folder is never used.
    if (!KEY.test(key)) throw new Error(`Not a media key: ${key}`);
    return join(root, key);
  };
  return {
    kind: 'local',
    async put(tenantId, bytes) {
      const sha256 = sha256Of(bytes);
      const key = contentKey(tenantId, sha256);
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temporary, bytes, { mode: 0o600 });
      await rename(temporary, path);
      return { key, sha256, sizeBytes: bytes.byteLength };
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(pathOf(key)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}

/** MEDIA_STORAGE_URL: unset → OMNI_DATA_DIR/media; `file:///folder` → that folder (the config allows no other). */
export function mediaStoreFromConfig(config: Config): MediaStore {
  const url = config.MEDIA_STORAGE_URL;
  return localMediaStore(url ? fileURLToPath(url) : join(config.OMNI_DATA_DIR, 'media'));
}
