/**
 * The tenant a webhook's path names (`/webhooks/{channel}/{tenant}`, by id or slug): every
 * provider posts to its own URL per tenant, and an unknown one is 404 before anything is read.
 */
import { z } from 'zod';
import type { Runtime } from '../../runtime/index.ts';
import { findTenant, type Tenant } from '../../tenancy/index.ts';
import { HttpError } from '../errors.ts';

export const webhookTenantParams = z.object({ tenant: z.string().min(1).max(100) });

export async function webhookTenant(runtime: Runtime, idOrSlug: string): Promise<Tenant> {
  const tenant = await findTenant(runtime.database.db, idOrSlug);
  if (!tenant) throw new HttpError(404, 'not_found', `No tenant "${idOrSlug}".`);
  return tenant;
}
