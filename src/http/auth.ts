/**
 * Authentication of the tenant API (SPEC §9), two ways that end in the same place:
 * - an API key: `X-API-Key: sk_…` or `Authorization: Bearer sk_…`, with its permissions;
 * - a dashboard session: the `omni_session` cookie, whose user's role maps onto a permission
 *   (viewer = read, operator = write, admin = admin). A write with a session must carry the
 *   session's token in `X-CSRF-Token` (a cookie is sent by the browser on its own; the header is
 *   not), so another site cannot act for a logged-in user.
 * A route needs `read` for GET/HEAD and `write` otherwise, unless its config asks for `admin`;
 * `config.public` routes (login) skip all of it. Either way `callerTenant` knows the tenant.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../storage/index.ts';
import {
  type Actor,
  type ApiKeyInfo,
  type ApiKeyPermission,
  authenticateApiKey,
  authenticateSession,
  csrfTokenMatches,
  hasPermission,
  type SessionInfo,
} from '../tenancy/index.ts';
import { HttpError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyInfo;
    session?: SessionInfo;
  }
  interface FastifyContextConfig {
    permission?: ApiKeyPermission;
    /** No credentials needed (the login route). */
    public?: boolean;
  }
}

export const SESSION_COOKIE = 'omni_session';
export const CSRF_HEADER = 'x-csrf-token';

const REFUSALS = {
  missing:
    'Send an API key in the X-API-Key header or as "Authorization: Bearer <key>", or log in at POST /api/v1/auth/login.',
  unknown: 'The API key is not valid.',
  revoked: 'The API key has been revoked.',
  session: 'Your session has ended; log in again.',
} as const;

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header.trim();
  const authorization = request.headers.authorization;
  const match = authorization?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim();
}

/** Whether the request carries any credential (the per-address limit spares those). */
export function presentsCredential(request: FastifyRequest): boolean {
  return Boolean(presentedKey(request) || request.cookies?.[SESSION_COOKIE]);
}

/** The permission a route needs. */
function neededPermission(request: FastifyRequest): ApiKeyPermission {
  return (
    request.routeOptions.config.permission ?? (READ_METHODS.has(request.method) ? 'read' : 'write')
  );
}

export function requireCaller(app: FastifyInstance, db: Db): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    const key = presentedKey(request);
    const cookie = request.cookies?.[SESSION_COOKIE];
    let granted: ApiKeyPermission[];
    if (key || !cookie) {
      const result = await authenticateApiKey(db, key);
      if (!result.ok) throw new HttpError(401, 'unauthorized', REFUSALS[result.reason]);
      request.apiKey = result.key;
      granted = result.key.permissions;
      request.log = request.log.child({
        tenant_id: result.key.tenantId,
        api_key_id: result.key.id,
      });
    } else {
      const result = await authenticateSession(db, cookie);
      if (!result.ok) throw new HttpError(401, 'unauthorized', REFUSALS.session);
      const header = request.headers[CSRF_HEADER];
      if (
        !READ_METHODS.has(request.method) &&
        !csrfTokenMatches(result.session, typeof header === 'string' ? header : undefined)
      ) {
        throw new HttpError(
          403,
          'csrf_failed',
          'Send the X-CSRF-Token header with the token from login or GET /api/v1/auth/me.',
        );
      }
      request.session = result.session;
      granted = [result.session.permission];
      request.log = request.log.child({
        tenant_id: result.session.tenantId,
        user_id: result.session.userId,
      });
    }
    const needed = neededPermission(request);
    if (!hasPermission(granted, needed)) {
      throw new HttpError(
        403,
        'forbidden',
        request.session
          ? `Your role (${request.session.role}) does not allow this; it needs "${needed}".`
          : `This API key lacks the "${needed}" permission.`,
      );
    }
  });
}

/** The caller's tenant id; only valid inside a `requireCaller` scope. */
export function callerTenant(request: FastifyRequest): string {
  const tenantId = request.apiKey?.tenantId ?? request.session?.tenantId;
  if (!tenantId) throw new HttpError(401, 'unauthorized', REFUSALS.missing);
  return tenantId;
}

/** The dashboard user behind the request; undefined for API keys (operator identity). */
export function callerUserId(request: FastifyRequest): string | undefined {
  return request.session?.userId;
}

/** Whether the caller may do admin things (maintenance lets admins through). */
export function callerIsAdmin(request: FastifyRequest): boolean {
  const granted =
    request.apiKey?.permissions ?? (request.session ? [request.session.permission] : []);
  return hasPermission(granted, 'admin');
}

/** Who the caller is, for the audit log. */
export function callerActor(request: FastifyRequest): Actor {
  if (request.session) return { type: 'user', id: request.session.userId };
  if (request.apiKey) return { type: 'api_key', id: request.apiKey.id };
  throw new HttpError(401, 'unauthorized', REFUSALS.missing);
}
