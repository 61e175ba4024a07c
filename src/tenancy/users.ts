import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { type Actor, recordAudit } from './audit.ts';
import { TenancyError } from './errors.ts';
import { hashPassword } from './passwords.ts';

export type UserRole = (typeof schema.USER_ROLES)[number];
export type User = Omit<typeof schema.users.$inferSelect, 'passwordHash'>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function createUser(
  db: Db,
  input: { tenantId: string; email: string; password: string; fullName: string; role: UserRole },
  actor: Actor,
): Promise<User> {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email))
    throw new TenancyError('invalid', `"${input.email}" is not an e-mail address.`);
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
  const { passwordHash: _hash, ...user } = row;
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
