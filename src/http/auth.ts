/**
 * API-key authentication for the tenant API (SPEC §9): `X-API-Key: sk_…` or
 * `Authorization: Bearer sk_…`. Every route inside this scope knows its caller's tenant, and a
 * route's permission is `read` for GET/HEAD, `write` otherwise, unless it asks for `admin`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../storage/index.ts';
import {
  type ApiKeyInfo,
  type ApiKeyPermission,
  authenticateApiKey,
  hasPermission,
} from '../tenancy/index.ts';
import { HttpError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyInfo;
  }
  interface FastifyContextConfig {
    permission?: ApiKeyPermission;
  }
}

const REFUSALS = {
  missing: 'Send an API key in the X-API-Key header or as "Authorization: Bearer <key>".',
  unknown: 'The API key is not valid.',
  revoked: 'The API key has been revoked.',
} as const;

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header.trim();
  const authorization = request.headers.authorization;
  const match = authorization?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim();
}

export function requireApiKey(app: FastifyInstance, db: Db): void {
  app.addHook('onRequest', async (request) => {
    const result = await authenticateApiKey(db, presentedKey(request));
    if (!result.ok) throw new HttpError(401, 'unauthorized', REFUSALS[result.reason]);
    const needed =
      request.routeOptions.config.permission ??
      (request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write');
    if (!hasPermission(result.key.permissions, needed)) {
      throw new HttpError(403, 'forbidden', `This API key lacks the "${needed}" permission.`);
    }
    request.apiKey = result.key;
    request.log = request.log.child({ tenant_id: result.key.tenantId, api_key_id: result.key.id });
  });
}

/** The caller's tenant id; only valid inside a `requireApiKey` scope. */
export function callerTenant(request: FastifyRequest): string {
  if (!request.apiKey) throw new HttpError(401, 'unauthorized', REFUSALS.missing);
  return request.apiKey.tenantId;
}
