import { asc, eq, or } from 'drizzle-orm';
import {
  keepMaskedSecrets,
  needsSealing,
  openSecrets,
  sealSecrets,
  unreadableSecrets,
} from '../secrets/index.ts';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { type Actor, recordAudit } from './audit.ts';
import { TenancyError } from './errors.ts';
import { assertSettingAddresses } from './setting-addresses.ts';

export type Tenant = typeof schema.tenants.$inferSelect;
export type TenantSettings = schema.TenantSettings;

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A tenant as the rest of Omni uses it: its secrets opened (they are sealed in the row). */
function opened(tenant: Tenant): Tenant {
  return { ...tenant, settings: openSecrets(tenant.settings) };
}

export async function createTenant(
  db: Db,
  input: { slug: string; name?: string; settings?: TenantSettings },
  actor: Actor,
): Promise<Tenant> {
  const slug = input.slug.trim().toLowerCase();
  await assertSettingAddresses(input.settings ?? {});
  if (!SLUG.test(slug)) {
    throw new TenancyError(
      'invalid',
      `"${input.slug}" is not a valid tenant slug: use lowercase letters, digits and hyphens (1-63 characters).`,
    );
  }
  const [tenant] = await db
    .insert(schema.tenants)
    .values({
      slug,
      name: input.name ?? slug,
      settings: sealSecrets({ language: 'pt-BR', ...input.settings }),
    })
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
  return opened(tenant);
}

export async function listTenants(db: Db): Promise<Tenant[]> {
  const tenants = await db.select().from(schema.tenants).orderBy(asc(schema.tenants.createdAt));
  return tenants.map(opened);
}

/** Finds a tenant by id or slug, as operators type either. */
export async function findTenant(db: Db, idOrSlug: string): Promise<Tenant | undefined> {
  const bySlug = eq(schema.tenants.slug, idOrSlug.toLowerCase());
  const [tenant] = await db
    .select()
    .from(schema.tenants)
    .where(isUuid(idOrSlug) ? or(eq(schema.tenants.id, idOrSlug), bySlug) : bySlug)
    .limit(1);
  return tenant && opened(tenant);
}

export async function getTenant(db: Db, idOrSlug: string): Promise<Tenant> {
  const tenant = await findTenant(db, idOrSlug);
  if (!tenant) throw new TenancyError('not_found', `No tenant "${idOrSlug}".`);
  return tenant;
}

/**
 * Merges `changes` into the tenant's settings (a key set to null is removed; a secret sent back
 * masked, as it was read, is left as it is). Secrets are sealed before they are stored.
 */
export async function updateTenant(
  db: Db,
  tenantId: string,
  changes: { name?: string; settings?: Record<string, unknown> },
  actor: Actor,
): Promise<Tenant> {
  const current = await getTenant(db, tenantId);
  const incoming = keepMaskedSecrets(changes.settings ?? {}, current.settings);
  await assertSettingAddresses(incoming);
  const settings: TenantSettings = { ...current.settings };
  for (const [key, value] of Object.entries(incoming)) {
    if (value === null || value === undefined) delete settings[key];
    else settings[key] = value;
  }
  const [tenant] = await db
    .update(schema.tenants)
    .set({
      name: changes.name ?? current.name,
      settings: sealSecrets(settings),
      updatedAt: new Date(),
    })
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
  return opened(tenant as Tenant);
}

/**
 * Seals every tenant secret still stored in clear (written before secrets were encrypted, or
 * restored from such a backup) or under OMNI_SECRET_KEY_PREVIOUS. Run at every start: idempotent,
 * and a no-op once all values are under the current key. Returns how many tenants changed.
 */
export async function sealStoredSecrets(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: schema.tenants.id, settings: schema.tenants.settings })
      .from(schema.tenants)
      .for('update');
    let sealed = 0;
    for (const row of rows.filter((candidate) => needsSealing(candidate.settings))) {
      await tx
        .update(schema.tenants)
        .set({ settings: sealSecrets(row.settings) })
        .where(eq(schema.tenants.id, row.id));
      sealed++;
    }
    return sealed;
  });
}

/**
 * Tenants whose stored secrets no key of this process opens: the database (or the backup it was
 * restored from) was sealed under another OMNI_SECRET_KEY. Those secrets act as unset until the
 * right key is configured (or OMNI_SECRET_KEY_PREVIOUS names it), so the start says so.
 */
export async function tenantsWithUnreadableSecrets(
  db: Db,
): Promise<Array<{ tenant: string; settings: string[] }>> {
  const rows = await db
    .select({ slug: schema.tenants.slug, settings: schema.tenants.settings })
    .from(schema.tenants);
  return rows
    .map((row) => ({ tenant: row.slug, settings: unreadableSecrets(row.settings) }))
    .filter((row) => row.settings.length > 0);
}
