/**
 * Which slots one call may try, in order: the tenant's settings over the environment's, the
 * call's policy over both (SPEC §5.2). A tenant's settings are read at most every few seconds.
 */
import { eq } from 'drizzle-orm';
import type { Logger } from '../observability/index.ts';
import { openSecrets } from '../secrets/index.ts';
import { type Db, schema } from '../storage/index.ts';
import { defaultModelOf, isEnabled, parseModelChoice, type Slot } from './providers.ts';
import { type GatewaySettings, type TenantPolicy, tenantPolicy } from './settings.ts';
import type { CallPolicy, LlmProvider } from './types.ts';

/** Tenant settings are re-read at most this often. */
const TENANT_CACHE_MS = 5_000;

export interface TenantPolicies {
  policyOf(tenantId: string | undefined): Promise<TenantPolicy | undefined>;
}

export function createTenantPolicies(db: Db, logger: Logger, now: () => number): TenantPolicies {
  const tenants = new Map<string, { at: number; policy: TenantPolicy }>();
  return {
    async policyOf(tenantId) {
      if (!tenantId) return undefined;
      const cached = tenants.get(tenantId);
      if (cached && now() - cached.at < TENANT_CACHE_MS) return cached.policy;
      const [row] = await db
        .select({ slug: schema.tenants.slug, settings: schema.tenants.settings })
        .from(schema.tenants)
        .where(eq(schema.tenants.id, tenantId))
        .catch((error) => {
          // Without its settings the tenant still gets an answer, under the instance's policy.
          logger.warn({ err: error, tenant: tenantId }, 'could not read tenant LLM settings');
          return [];
        });
      // A tenant's provider keys are sealed in the row (src/secrets).
      const policy = tenantPolicy(row?.slug ?? tenantId, row && openSecrets(row.settings));
      if (policy.invalid) {
        logger.warn(
          { tenant: tenantId, problem: policy.invalid },
          'tenant LLM settings are invalid; using the defaults',
        );
      }
      tenants.set(tenantId, { at: now(), policy });
      return policy;
    },
  };
}

export function slotsFor(
  settings: GatewaySettings,
  call: {
    tenantId?: string;
    tenant?: TenantPolicy;
    purpose?: 'reply' | 'simple';
    policy: CallPolicy;
  },
): Slot[] {
  const { tenantId, tenant, policy } = call;
  const pinned = tenant?.pinned ?? settings.pinned;
  let order = pinned ? [pinned] : (tenant?.order ?? settings.order);
  if (policy.providers) order = policy.providers.filter((p) => order.includes(p));
  if (policy.preferredProvider && order.includes(policy.preferredProvider)) {
    order = [policy.preferredProvider, ...order.filter((p) => p !== policy.preferredProvider)];
  }
  const choice = parseModelChoice(
    call.purpose === 'simple'
      ? (tenant?.simpleModel ?? settings.simpleModel)
      : (tenant?.defaultModel ?? settings.defaultModel),
  );
  const credentialsOf = (provider: LlmProvider) => ({
    ...settings.credentials[provider],
    ...definedOnly(tenant?.credentials[provider]),
  });
  const enabled = order.filter((p) => isEnabled(p, credentialsOf(p)));
  const firstConfigured = (pinned ? [pinned] : (tenant?.order ?? settings.order)).find((p) =>
    isEnabled(p, credentialsOf(p)),
  );
  return enabled.map((provider) => {
    const own = tenant?.credentials[provider];
    const credentials = credentialsOf(provider);
    const chosen =
      choice && (choice.provider === provider || (!choice.provider && provider === firstConfigured))
        ? choice.model
        : undefined;
    const ownSlot = Boolean(own?.apiKey || own?.baseUrl);
    return {
      id: ownSlot ? `${provider}@tenant:${tenantId}` : provider,
      provider,
      model: chosen ?? credentials.model ?? defaultModelOf(provider) ?? '',
      apiKey: credentials.apiKey,
      baseUrl: credentials.baseUrl,
      source: ownSlot ? `tenant:${tenantId}` : 'env',
    };
  });
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
