import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import {
  checkMedia,
  localMediaStore,
  MediaError,
  type MediaStore,
  mediaStoreFromConfig,
  sha256Of,
} from '../../src/media/index.ts';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'omni-store-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

// One conformance suite for every MediaStore backend. Only the local folder exists so far: no
// S3-compatible server can run in this environment's tests (see README, Media).
const BACKENDS: Array<[string, () => MediaStore]> = [
  ['local files', () => localMediaStore(join(folder, 'conformance'))],
  [
    'local files from MEDIA_STORAGE_URL',
    () =>
      mediaStoreFromConfig(
        loadConfig({ MEDIA_STORAGE_URL: pathToFileURL(join(folder, 'url')).href }),
      ),
  ],
];

describe.each(BACKENDS)('media store conformance: %s', (_name, open) => {
  const tenant = randomUUID();
  const other = randomUUID();
  const bytes = new TextEncoder().encode('%PDF-1.4 a receipt');

  it('keeps a file under its tenant and SHA-256, and gives back the same bytes', async () => {
    const store = open();
    const stored = await store.put(tenant, bytes);
    expect(stored.sha256).toBe(sha256Of(bytes));
    expect(stored.sizeBytes).toBe(bytes.byteLength);
    expect(stored.key).toBe(`${tenant}/${stored.sha256.slice(0, 2)}/${stored.sha256}`);
    expect(await store.get(stored.key)).toEqual(bytes);
  });

  it('stores the same file once per tenant, and apart for another tenant', async () => {
    const store = open();
    const first = await store.put(tenant, bytes);
    const again = await store.put(tenant, bytes);
    const theirs = await store.put(other, bytes);
    expect(again.key).toBe(first.key);
    expect(theirs.key).not.toBe(first.key);
    await store.delete(theirs.key);
    expect(await store.get(first.key)).toEqual(bytes);
  });

  it('answers undefined for a key that holds nothing, and deletes idempotently', async () => {
    const store = open();
    const stored = await store.put(tenant, new TextEncoder().encode('gone soon'));
    await store.delete(stored.key);
    expect(await store.get(stored.key)).toBeUndefined();
    await expect(store.delete(stored.key)).resolves.toBeUndefined();
  });

  it('refuses keys that are not its own (no path climbing out of the store)', async () => {
    const store = open();
    await expect(store.get('../../etc/passwd')).rejects.toThrow(/Not a media key/);
  });
});

describe('media limits', () => {
  const limits = { maxBytes: 100, allowedTypes: ['audio/*', 'application/pdf'] };

  it('accepts allowed types by family or exactly, with parameters', () => {
    expect(() =>
      checkMedia({ mimeType: 'audio/ogg; codecs=opus', sizeBytes: 10 }, limits),
    ).not.toThrow();
    expect(() => checkMedia({ mimeType: 'application/pdf' }, limits)).not.toThrow();
  });

  it('refuses other types and files over the limit with stable codes', () => {
    const codeOf = (file: { mimeType?: string; sizeBytes?: number }) => {
      try {
        checkMedia(file, limits);
      } catch (error) {
        return error instanceof MediaError ? `${error.code}:${error.retryable}` : 'other';
      }
      return 'accepted';
    };
    expect(codeOf({ mimeType: 'video/mp4', sizeBytes: 10 })).toBe('type_refused:false');
    expect(codeOf({ mimeType: undefined })).toBe('type_refused:false');
    expect(codeOf({ mimeType: 'application/pdf', sizeBytes: 101 })).toBe('too_large:false');
  });

  it('says plainly that S3 storage is not available yet', () => {
    expect(() => loadConfig({ MEDIA_STORAGE_URL: 's3://bucket/media' })).toThrow(
      /MEDIA_STORAGE_URL.*S3-compatible storage is not available yet/,
    );
  });
});
