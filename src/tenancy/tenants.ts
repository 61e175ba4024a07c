import { asc, eq, or } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { type Actor, recordAudit } from './audit.ts';
import { TenancyError } from './errors.ts';

export type Tenant = typeof schema.tenants.$inferSelect;
export type TenantSettings = schema.TenantSettings;

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export async function createTenant(
  db: Db,
  input: { slug: string; name?: string; settings?: TenantSettings },
  actor: Actor,
): Promise<Tenant> {
  const slug = input.slug.trim().toLowerCase();
  if (!SLUG.test(slug)) {
    throw new TenancyError(
      'invalid',
      `"${input.slug}" is not a valid tenant slug: use lowercase letters, digits and hyphens (1-63 characters).`,
    );
  }
  const [tenant] = await db
    .insert(schema.tenants)
    .values({ slug, name: input.name ?? slug, settings: { language: 'pt-BR', ...input.settings } })
    .onConflictDoNothing({ target: schema.tenants.slug })
    .returning();
  if (!tenant) throw new TenancyError('conflict', `A tenant with slug "${slug}" already exists.`);
  await recordAudit(db, {
    tenantId: tenant.id,
    actor,
    action: 'tenant.create',
    targetType: 'tenant',
    targetId: tenant.id,
  });
  return tenant;
}

export function listTenants(db: Db): Promise<Tenant[]> {
  return db.select().from(schema.tenants).orderBy(asc(schema.tenants.createdAt));
}

/** Finds a tenant by id or slug, as operators type either. */
export async function findTenant(db: Db, idOrSlug: string): Promise<Tenant | undefined> {
  const bySlug = eq(schema.tenants.slug, idOrSlug.toLowerCase());
  const [tenant] = await db
    .select()
    .from(schema.tenants)
    .where(isUuid(idOrSlug) ? or(eq(schema.tenants.id, idOrSlug), bySlug) : bySlug)
    .limit(1);
  return tenant;
}

export async function getTenant(db: Db, idOrSlug: string): Promise<Tenant> {
  const tenant = await findTenant(db, idOrSlug);
  if (!tenant) throw new TenancyError('not_found', `No tenant "${idOrSlug}".`);
  return tenant;
}

/** Merges `changes` into the tenant's settings (a key set to null is removed). */
export async function updateTenant(
  db: Db,
  tenantId: string,
  changes: { name?: string; settings?: Record<string, unknown> },
  actor: Actor,
): Promise<Tenant> {
  const current = await getTenant(db, tenantId);
  const settings: TenantSettings = { ...current.settings };
  for (const [key, value] of Object.entries(changes.settings ?? {})) {
    if (value === null) delete settings[key];
    else settings[key] = value;
  }
  const [tenant] = await db
    .update(schema.tenants)
    .set({ name: changes.name ?? current.name, settings, updatedAt: new Date() })
    .where(eq(schema.tenants.id, current.id))
    .returning();
  await recordAudit(db, {
    tenantId: current.id,
    actor,
    action: 'tenant.update',
    targetType: 'tenant',
    targetId: current.id,
    details: {
      fields: [...(changes.name ? ['name'] : []), ...Object.keys(changes.settings ?? {})],
    },
  });
  return tenant as Tenant;
}
