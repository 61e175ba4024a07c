/**
 * Password login with throttling (SPEC §9): every attempt is an audit row (`auth.login` or
 * `auth.login_failed`, with the address), and the failures in those rows drive the lockout, so
 * every process of the instance sees the same count without a cache. An account is locked after
 * `maxFailures` failures within the window; an address after four times as many (one address
 * trying many accounts). A success, a password reset or the window's end clears the count.
 */
import { and, count, eq, gt, max, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { recordAudit } from './audit.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { createSession } from './sessions.ts';
import { findUserForLogin, type User } from './users.ts';

export interface LoginPolicy {
  maxFailures: number;
  lockoutMs: number;
  sessionTtlMs: number;
}

export type LoginResult =
  | { ok: true; user: User; token: string; csrfToken: string; expiresAt: Date }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

const ADDRESS_FACTOR = 4;
/** Verified against when the e-mail is unknown, so timing does not tell which accounts exist. */
let decoyHash: Promise<string> | undefined;

export async function login(
  db: Db,
  input: { email: string; password: string; ip?: string; userAgent?: string },
  policy: LoginPolicy,
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  const row = await findUserForLogin(db, email);
  const windowStart = new Date(Date.now() - policy.lockoutMs);
  const clearedAt = new Date(
    Math.max(
      windowStart.getTime(),
      row?.lastLoginAt?.getTime() ?? 0,
      row?.updatedAt.getTime() ?? 0,
    ),
  );
  const lock = await lockoutOf(db, { email, ip: input.ip, clearedAt, windowStart }, policy);
  if (lock) {
    await recordAudit(db, {
      tenantId: row?.tenantId ?? null,
      actor: { type: 'system' },
      action: 'auth.login_locked',
      ...(row ? { targetType: 'user', targetId: row.id } : {}),
      details: { email },
      ip: input.ip,
    });
    return { ok: false, reason: 'locked', retryAfterSeconds: lock };
  }
  decoyHash ??= hashPassword('not a password anyone has');
  const valid = await verifyPassword(input.password, row?.passwordHash ?? (await decoyHash));
  if (!row || !valid || row.disabledAt) {
    await recordAudit(db, {
      tenantId: row?.tenantId ?? null,
      actor: { type: 'system' },
      action: 'auth.login_failed',
      ...(row ? { targetType: 'user', targetId: row.id } : {}),
      details: { email, reason: !row ? 'unknown_user' : row.disabledAt ? 'disabled' : 'password' },
      ip: input.ip,
    });
    return { ok: false, reason: 'invalid' };
  }
  const { passwordHash: _hash, ...user } = row;
  const session = await createSession(db, {
    user,
    ttlMs: policy.sessionTtlMs,
    ip: input.ip,
    userAgent: input.userAgent,
  });
  await db
    .update(schema.users)
    .set({ lastLoginAt: new Date() })
    .where(eq(schema.users.id, user.id));
  await recordAudit(db, {
    tenantId: user.tenantId,
    actor: { type: 'user', id: user.id },
    action: 'auth.login',
    targetType: 'user',
    targetId: user.id,
    ip: input.ip,
  });
  return { ok: true, user, ...session };
}

/** Seconds until the account (or address) may try again, or 0 when it may now. */
async function lockoutOf(
  db: Db,
  scope: { email: string; ip?: string; clearedAt: Date; windowStart: Date },
  policy: LoginPolicy,
): Promise<number> {
  // Failed logins since `since` that match (the account's, or the address's).
  const failures = async (since: Date, matching: SQL) => {
    const [found] = await db
      .select({ failures: count(), last: max(schema.auditLogs.createdAt) })
      .from(schema.auditLogs)
      .where(
        and(
          eq(schema.auditLogs.action, 'auth.login_failed'),
          gt(schema.auditLogs.createdAt, since),
          matching,
        ),
      );
    return found;
  };
  const byAccount = await failures(
    scope.clearedAt,
    sql`${schema.auditLogs.details}->>'email' = ${scope.email}`,
  );
  const byAddress = scope.ip
    ? await failures(scope.windowStart, eq(schema.auditLogs.ip, scope.ip))
    : undefined;
  const lockedUntil = (last: unknown) =>
    Math.ceil((new Date(last as string | Date).getTime() + policy.lockoutMs - Date.now()) / 1000);
  if (byAccount && byAccount.failures >= policy.maxFailures)
    return Math.max(1, lockedUntil(byAccount.last));
  if (byAddress && byAddress.failures >= policy.maxFailures * ADDRESS_FACTOR)
    return Math.max(1, lockedUntil(byAddress.last));
  return 0;
}
