/**
 * Dashboard users (SPEC §9): one account per e-mail, a role that maps onto the API-key
 * permissions (viewer = read, operator = read + write, admin = all), scrypt hashes, disable
 * instead of delete so the audit trail keeps its actors.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import type { ApiKeyPermission } from './api-keys.ts';
import { type Actor, recordAudit } from './audit.ts';
import { TenancyError } from './errors.ts';
import { hashPassword } from './passwords.ts';
import { tenantRowsOldestFirst } from './tenant-rows.ts';
import { isUuid } from './tenants.ts';

export type UserRole = (typeof schema.USER_ROLES)[number];
export const USER_ROLES = schema.USER_ROLES;
export type User = Omit<typeof schema.users.$inferSelect, 'passwordHash'>;

/** What each role may do, in the API keys' words. */
export const ROLE_PERMISSION: Record<UserRole, ApiKeyPermission> = {
  viewer: 'read',
  operator: 'write',
  admin: 'admin',
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Long enough that the login lockout, not guessing, is what an attacker runs into. */
export const MIN_PASSWORD_LENGTH = 10;

function withoutHash(row: typeof schema.users.$inferSelect): User {
  const { passwordHash: _hash, ...user } = row;
  return user;
}

export function parseRole(input: string): UserRole {
  const role = input.trim().toLowerCase();
  if (!(USER_ROLES as readonly string[]).includes(role)) {
    throw new TenancyError(
      'invalid',
      `Role must be one of ${USER_ROLES.join(', ')} (got "${input}").`,
    );
  }
  return role as UserRole;
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new TenancyError(
      'invalid',
      `A password needs at least ${MIN_PASSWORD_LENGTH} characters.`,
    );
  }
}

export async function createUser(
  db: Db,
  input: { tenantId: string; email: string; password: string; fullName: string; role: UserRole },
  actor: Actor,
): Promise<User> {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email))
    throw new TenancyError('invalid', `"${input.email}" is not an e-mail address.`);
  checkPassword(input.password);
  const [row] = await db
    .insert(schema.users)
    .values({
      tenantId: input.tenantId,
      email,
      passwordHash: await hashPassword(input.password),
      fullName: input.fullName,
      role: input.role,
    })
    .onConflictDoNothing({ target: schema.users.email })
    .returning();
  if (!row) throw new TenancyError('conflict', `A user with e-mail ${email} already exists.`);
  const user = withoutHash(row);
  await recordAudit(db, {
    tenantId: input.tenantId,
    actor,
    action: 'user.create',
    targetType: 'user',
    targetId: user.id,
    details: { email, role: input.role },
  });
  return user;
}

export async function listUsers(db: Db, tenantId?: string): Promise<User[]> {
  return (await tenantRowsOldestFirst(db, schema.users, tenantId)).map(withoutHash);
}

/** The account with its hash, for the login check only. */
export async function findUserForLogin(
  db: Db,
  email: string,
): Promise<typeof schema.users.$inferSelect | undefined> {
  const [row] = await db
    .select()
    .from(schema.users)
    .where(eq(schema.users.email, email.trim().toLowerCase()))
    .limit(1);
  return row;
}

export async function getUser(db: Db, idOrEmail: string): Promise<User> {
  if (!idOrEmail.includes('@') && !isUuid(idOrEmail))
    throw new TenancyError('not_found', `No user "${idOrEmail}" (give an e-mail or a user id).`);
  const [row] = await db
    .select()
    .from(schema.users)
    .where(
      idOrEmail.includes('@')
        ? eq(schema.users.email, idOrEmail.trim().toLowerCase())
        : eq(schema.users.id, idOrEmail),
    )
    .limit(1);
  if (!row) throw new TenancyError('not_found', `No user "${idOrEmail}".`);
  return withoutHash(row);
}

/** Sets a new password and ends the user's sessions (whoever knew the old one is out). */
export async function resetPassword(
  db: Db,
  idOrEmail: string,
  password: string,
  actor: Actor,
): Promise<User> {
  checkPassword(password);
  const user = await getUser(db, idOrEmail);
  const passwordHash = await hashPassword(password);
  return changeAndEndSessions(db, user, { passwordHash }, 'user.reset_password', actor);
}

/** Disables an account at once: its sessions end and it can no longer log in. */
export async function disableUser(db: Db, idOrEmail: string, actor: Actor): Promise<User> {
  const user = await getUser(db, idOrEmail);
  if (user.disabledAt) return user;
  return changeAndEndSessions(db, user, { disabledAt: new Date() }, 'user.disable', actor);
}

/**
 * Changes an account in a way that shuts out whoever is logged in as it: the change, the end of its
 * sessions and the audit row in one transaction. The account as it is now.
 */
async function changeAndEndSessions(
  db: Db,
  user: User,
  changes: { passwordHash?: string; disabledAt?: Date },
  action: string,
  actor: Actor,
): Promise<User> {
  await db.transaction(async (tx) => {
    await tx
      .update(schema.users)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(schema.users.id, user.id));
    await endUserSessions(tx, user.id);
    await recordAudit(tx, {
      tenantId: user.tenantId,
      actor,
      action,
      targetType: 'user',
      targetId: user.id,
    });
  });
  return getUser(db, user.id);
}

async function endUserSessions(db: Db, userId: string): Promise<void> {
  await db
    .update(schema.sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(schema.sessions.userId, userId), isNull(schema.sessions.revokedAt)));
}
