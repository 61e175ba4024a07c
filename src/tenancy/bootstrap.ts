/**
 * First start of the embedded profile: a demo tenant, an admin user and an admin API key, so a
 * newcomer can log in and call the API at once. Credentials are random and shown once.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../storage/index.ts';
import { schema } from '../storage/index.ts';
import { createApiKey } from './api-keys.ts';
import { generatePassword } from './passwords.ts';
import { createTenant } from './tenants.ts';
import { createUser } from './users.ts';

export const DEMO_TENANT_SLUG = 'demo';
export const DEMO_ADMIN_EMAIL = 'admin@demo.omni.local';

export interface DemoCredentials {
  tenant: string;
  email: string;
  password: string;
  apiKey: string;
}

/** Creates the demo tenant when the instance has no tenant at all; otherwise does nothing. */
export async function ensureDemoTenant(db: Db): Promise<DemoCredentials | null> {
  return db.transaction(async (tx) => {
    // Serializes concurrent first starts on the same database.
    await tx.execute(sql`lock table ${schema.tenants} in share row exclusive mode`);
    const [existing] = await tx.select({ id: schema.tenants.id }).from(schema.tenants).limit(1);
    if (existing) return null;
    const actor = { type: 'system' } as const;
    const tenant = await createTenant(tx, { slug: DEMO_TENANT_SLUG, name: 'Demo' }, actor);
    const password = generatePassword();
    await createUser(
      tx,
      {
        tenantId: tenant.id,
        email: DEMO_ADMIN_EMAIL,
        password,
        fullName: 'Demo admin',
        role: 'admin',
      },
      actor,
    );
    const { key } = await createApiKey(
      tx,
      { tenantId: tenant.id, name: 'demo admin', permissions: ['admin'] },
      actor,
    );
    return { tenant: tenant.slug, email: DEMO_ADMIN_EMAIL, password, apiKey: key };
  });
}
