/**
 * Dashboard login (SPEC §9): `POST /api/v1/auth/login` sets the `omni_session` cookie (httpOnly,
 * SameSite=Lax, Secure behind https, expiring with the session) and returns the CSRF token;
 * `GET /api/v1/auth/me` says who the caller is (and repeats the token); `POST /api/v1/auth/logout`
 * ends the session on the server and clears the cookie.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config/index.ts';
import type { Db } from '../../storage/index.ts';
import { endSession, getUser, login, userView } from '../../tenancy/index.ts';
import { callerTenant, SESSION_COOKIE } from '../auth.ts';
import { HttpError } from '../errors.ts';

const credentials = z.object({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(1024),
});

const userSchema = z.object({
  id: z.string(),
  tenant_id: z.string(),
  email: z.string(),
  full_name: z.string(),
  role: z.string(),
  disabled_at: z.string().nullable(),
  last_login_at: z.string().nullable(),
  created_at: z.string(),
});

const sessionAnswer = z.object({
  user: userSchema,
  csrf_token: z.string(),
  expires_at: z.string(),
});

const meAnswer = z.object({
  tenant_id: z.string(),
  via: z.enum(['session', 'api_key']),
  permissions: z.array(z.string()),
  user: userSchema.optional(),
  csrf_token: z.string().optional(),
  expires_at: z.string().optional(),
  api_key_id: z.string().optional(),
});

function secureCookies(config: Config, request: FastifyRequest): boolean {
  return request.protocol === 'https' || Boolean(config.PUBLIC_URL?.startsWith('https:'));
}

function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

export function authRoutes(app: FastifyInstance, db: Db, config: Config): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const policy = {
    maxFailures: config.LOGIN_MAX_FAILURES,
    lockoutMs: config.LOGIN_LOCKOUT_MINUTES * 60_000,
    sessionTtlMs: Math.round(config.SESSION_TTL_HOURS * 3_600_000),
  };

  api.post(
    '/api/v1/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Log in to the dashboard: sets the omni_session cookie, returns the CSRF token',
        security: [],
        body: credentials,
        response: { 200: sessionAnswer },
      },
    },
    async (request, reply) => {
      const result = await login(
        db,
        {
          email: request.body.email,
          password: request.body.password,
          ip: request.ip,
          userAgent: request.headers['user-agent'],
        },
        policy,
      );
      if (!result.ok && result.reason === 'locked') {
        const minutes = Math.ceil(result.retryAfterSeconds / 60);
        throw new HttpError(
          429,
          'account_locked',
          `Too many failed logins: this account is locked for ${minutes} more minute${minutes === 1 ? '' : 's'}. An admin can unlock it now with "omni users reset-password".`,
          { retryAfterSeconds: result.retryAfterSeconds },
        );
      }
      if (!result.ok) throw new HttpError(401, 'unauthorized', 'The e-mail or password is wrong.');
      reply.setCookie(SESSION_COOKIE, result.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies(config, request),
        expires: result.expiresAt,
      });
      return {
        user: userView(result.user),
        csrf_token: result.csrfToken,
        expires_at: result.expiresAt.toISOString(),
      };
    },
  );

  api.post(
    '/api/v1/auth/logout',
    {
      config: { permission: 'read' },
      schema: {
        tags: ['auth'],
        summary: 'End the dashboard session (server-side) and clear its cookie',
      },
    },
    async (request, reply) => {
      // With an API key there is nothing to end (keys are revoked with DELETE /api/v1/keys/{id}).
      if (request.session) await endSession(db, request.session.id);
      clearSessionCookie(reply);
      return reply.status(204).send();
    },
  );

  api.get(
    '/api/v1/auth/me',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who is calling: the user and CSRF token of a session, or the API key',
        response: { 200: meAnswer },
      },
    },
    async (request) => {
      const tenantId = callerTenant(request);
      if (request.session) {
        return {
          tenant_id: tenantId,
          via: 'session' as const,
          permissions: [request.session.permission],
          user: userView(await getUser(db, request.session.userId)),
          csrf_token: request.session.csrfToken,
          expires_at: request.session.expiresAt.toISOString(),
        };
      }
      return {
        tenant_id: tenantId,
        via: 'api_key' as const,
        permissions: request.apiKey?.permissions ?? [],
        api_key_id: request.apiKey?.id,
      };
    },
  );
}
