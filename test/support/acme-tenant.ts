/**
 * The tenant the delivery tests talk to: "acme", its replies sent to an outbound webhook (the far
 * edge of the REST channel, usually a test/support/webhook-sim.ts), created as the CLI would.
 */
import type { Db } from '../../src/storage/index.ts';
import { createTenant, type Tenant, type TenantSettings } from '../../src/tenancy/index.ts';

export async function createAcmeDeliveringTo(
  db: Db,
  webhookUrl: string,
  settings: TenantSettings = {},
): Promise<Tenant> {
  return createTenant(
    db,
    { slug: 'acme', settings: { ...settings, outbound_webhook_url: webhookUrl } },
    { type: 'system' },
  );
}
