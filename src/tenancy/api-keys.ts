/**
 * API keys (SPEC §9): shown once at creation, stored as SHA-256, found by prefix and compared in
 * constant time, scoped to one tenant, revocable.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { type Actor, recordAudit } from './audit.ts';
import { TenancyError } from './errors.ts';
import { tenantRowsOldestFirst } from './tenant-rows.ts';

export type ApiKeyPermission = schema.ApiKeyPermission;
export const API_KEY_PERMISSIONS = schema.API_KEY_PERMISSIONS;

const KEY_PREFIX = 'sk_';
/** `sk_` plus 8 characters: enough to find the row, too little to matter if it leaks. */
const LOOKUP_PREFIX_LENGTH = 11;
/** last_used_at is written at most this often per key, so reads stay reads. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  permissions: ApiKeyPermission[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export type Authentication =
  | { ok: true; key: ApiKeyInfo }
  | { ok: false; reason: 'missing' | 'unknown' | 'revoked' };

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function toInfo(row: typeof schema.apiKeys.$inferSelect): ApiKeyInfo {
  const { keyHash: _hash, ...info } = row;
  return info;
}

export function parsePermissions(input: string | string[]): ApiKeyPermission[] {
  const words = (Array.isArray(input) ? input : input.split(','))
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  const unknown = words.filter((w) => !(API_KEY_PERMISSIONS as readonly string[]).includes(w));
  if (unknown.length > 0 || words.length === 0) {
    throw new TenancyError(
      'invalid',
      `Permissions must be a list of ${API_KEY_PERMISSIONS.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}.`,
    );
  }
  return [...new Set(words)] as ApiKeyPermission[];
}

/** admin implies write implies read. */
export function hasPermission(granted: ApiKeyPermission[], needed: ApiKeyPermission): boolean {
  const rank = { read: 0, write: 1, admin: 2 } as const;
  return granted.some((p) => rank[p] >= rank[needed]);
}

export async function createApiKey(
  db: Db,
  input: { tenantId: string; name?: string; permissions?: ApiKeyPermission[] },
  actor: Actor,
): Promise<{ key: string; info: ApiKeyInfo }> {
  const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  const [row] = await db
    .insert(schema.apiKeys)
    .values({
      tenantId: input.tenantId,
      name: input.name ?? 'default',
      prefix: key.slice(0, LOOKUP_PREFIX_LENGTH),
      keyHash: hashKey(key),
      permissions: input.permissions ?? ['read', 'write'],
    })
    .returning();
  const info = toInfo(row as typeof schema.apiKeys.$inferSelect);
  await recordAudit(db, {
    tenantId: input.tenantId,
    actor,
    action: 'api_key.create',
    targetType: 'api_key',
    targetId: info.id,
    details: { name: info.name, permissions: info.permissions },
  });
  return { key, info };
}

export async function listApiKeys(db: Db, tenantId?: string): Promise<ApiKeyInfo[]> {
  return (await tenantRowsOldestFirst(db, schema.apiKeys, tenantId)).map(toInfo);
}

/**
 * Revokes a key. With `tenantId`, only a key of that tenant can be revoked (API callers); the CLI
 * passes none. Revoking twice is harmless.
 */
export async function revokeApiKey(
  db: Db,
  keyId: string,
  actor: Actor,
  tenantId?: string,
): Promise<ApiKeyInfo> {
  const scope = tenantId
    ? and(eq(schema.apiKeys.id, keyId), eq(schema.apiKeys.tenantId, tenantId))
    : eq(schema.apiKeys.id, keyId);
  const [existing] = await db.select().from(schema.apiKeys).where(scope).limit(1);
  if (!existing) throw new TenancyError('not_found', `No API key "${keyId}".`);
  if (existing.revokedAt) return toInfo(existing);
  const [row] = await db
    .update(schema.apiKeys)
    .set({ revokedAt: new Date() })
    .where(eq(schema.apiKeys.id, keyId))
    .returning();
  await recordAudit(db, {
    tenantId: existing.tenantId,
    actor,
    action: 'api_key.revoke',
    targetType: 'api_key',
    targetId: keyId,
  });
  return toInfo(row as typeof schema.apiKeys.$inferSelect);
}

export async function authenticateApiKey(
  db: Db,
  presented: string | undefined,
): Promise<Authentication> {
  if (!presented) return { ok: false, reason: 'missing' };
  if (!presented.startsWith(KEY_PREFIX) || presented.length <= LOOKUP_PREFIX_LENGTH) {
    return { ok: false, reason: 'unknown' };
  }
  const presentedHash = Buffer.from(hashKey(presented), 'hex');
  const candidates = await db
    .select()
    .from(schema.apiKeys)
    .where(eq(schema.apiKeys.prefix, presented.slice(0, LOOKUP_PREFIX_LENGTH)));
  const match = candidates.find((row) =>
    timingSafeEqual(Buffer.from(row.keyHash, 'hex'), presentedHash),
  );
  if (!match) return { ok: false, reason: 'unknown' };
  if (match.revokedAt) return { ok: false, reason: 'revoked' };
  await touchLastUsed(db, match.id);
  return { ok: true, key: toInfo(match) };
}

async function touchLastUsed(db: Db, keyId: string): Promise<void> {
  const now = new Date();
  await db
    .update(schema.apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(schema.apiKeys.id, keyId),
        or(
          isNull(schema.apiKeys.lastUsedAt),
          lt(schema.apiKeys.lastUsedAt, new Date(now.getTime() - LAST_USED_RESOLUTION_MS)),
        ),
      ),
    );
}
