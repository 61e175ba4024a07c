/** The public JSON shape of tenants, API keys and users, the same for the HTTP API and `--json` output. */
import { maskSecrets } from '../secrets/index.ts';
import type { ApiKeyInfo } from './api-keys.ts';
import type { Tenant } from './tenants.ts';
import type { User } from './users.ts';

export function tenantView(tenant: Tenant) {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    // Secrets are write-only: shown as "…set" or their last four characters, never in clear.
    settings: maskSecrets(tenant.settings),
    created_at: tenant.createdAt.toISOString(),
    updated_at: tenant.updatedAt.toISOString(),
  };
}

export function apiKeyView(info: ApiKeyInfo) {
  return {
    id: info.id,
    tenant_id: info.tenantId,
    name: info.name,
    prefix: info.prefix,
    permissions: info.permissions,
    created_at: info.createdAt.toISOString(),
    last_used_at: info.lastUsedAt?.toISOString() ?? null,
    revoked_at: info.revokedAt?.toISOString() ?? null,
  };
}

export function userView(user: User) {
  return {
    id: user.id,
    tenant_id: user.tenantId,
    email: user.email,
    full_name: user.fullName,
    role: user.role,
    disabled_at: user.disabledAt?.toISOString() ?? null,
    last_login_at: user.lastLoginAt?.toISOString() ?? null,
    created_at: user.createdAt.toISOString(),
  };
}
