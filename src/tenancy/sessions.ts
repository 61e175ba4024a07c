/**
 * Dashboard sessions (SPEC §9): a random token in the `omni_session` cookie, stored only as its
 * SHA-256; a CSRF token per session (the synchronizer-token pattern) that cookie-authenticated
 * writes must echo; an expiry; revocation on the server (logout, password reset, disable,
 * lockdown) that takes effect on the very next request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import type { ApiKeyPermission } from './api-keys.ts';
import { ROLE_PERMISSION, type User, type UserRole } from './users.ts';

/** Sessions are touched at most this often, so reads stay reads. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

export interface SessionInfo {
  id: string;
  tenantId: string;
  userId: string;
  email: string;
  fullName: string;
  role: UserRole;
  permission: ApiKeyPermission;
  csrfToken: string;
  expiresAt: Date;
}

export type SessionCheck =
  | { ok: true; session: SessionInfo }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'disabled' };

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function createSession(
  db: Db,
  input: { user: User; ttlMs: number; ip?: string; userAgent?: string },
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + input.ttlMs);
  await db.insert(schema.sessions).values({
    tenantId: input.user.tenantId,
    userId: input.user.id,
    tokenHash: hashToken(token),
    csrfToken,
    ip: input.ip ?? null,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
    expiresAt,
  });
  return { token, csrfToken, expiresAt };
}

export async function authenticateSession(db: Db, token: string): Promise<SessionCheck> {
  const [row] = await db
    .select({ session: schema.sessions, user: schema.users })
    .from(schema.sessions)
    .innerJoin(schema.users, eq(schema.users.id, schema.sessions.userId))
    .where(eq(schema.sessions.tokenHash, hashToken(token)))
    .limit(1);
  if (!row) return { ok: false, reason: 'unknown' };
  const { session, user } = row;
  if (session.revokedAt) return { ok: false, reason: 'revoked' };
  if (session.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
  if (user.disabledAt) return { ok: false, reason: 'disabled' };
  if (!session.lastSeenAt || Date.now() - session.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
    await db
      .update(schema.sessions)
      .set({ lastSeenAt: new Date() })
      .where(eq(schema.sessions.id, session.id));
  }
  return {
    ok: true,
    session: {
      id: session.id,
      tenantId: session.tenantId,
      userId: user.id,
      email: user.email,
      fullName: user.fullName,
      role: user.role,
      permission: ROLE_PERMISSION[user.role],
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt,
    },
  };
}

/** Constant-time comparison of the token a request carries with the session's. */
export function csrfTokenMatches(session: SessionInfo, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(session.csrfToken);
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export async function endSession(db: Db, sessionId: string): Promise<void> {
  await db
    .update(schema.sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(schema.sessions.id, sessionId), isNull(schema.sessions.revokedAt)));
}

/** Ends every live session of the instance; returns how many there were. */
export async function endAllSessions(db: Db): Promise<number> {
  const ended = await db
    .update(schema.sessions)
    .set({ revokedAt: new Date() })
    .where(and(isNull(schema.sessions.revokedAt), gt(schema.sessions.expiresAt, new Date())))
    .returning({ id: schema.sessions.id });
  return ended.length;
}
