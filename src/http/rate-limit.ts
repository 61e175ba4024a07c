/**
 * Rate limits (SPEC §9, seed 004 §8.3), counted in Redis when there is one so that every API
 * process shares the same budget (in-process otherwise):
 * - the tenant API: RATE_LIMIT_PER_MINUTE per API key or per dashboard user, checked after
 *   authentication; requests without any credential (login, probes of the API) and requests
 *   whose credential was refused per address, checked before anything touches the database;
 * - channel webhooks (`/webhooks/*`): WEBHOOK_RATE_LIMIT_PER_MINUTE per tenant (the `:tenant` of
 *   the path, else the address), so a flood on one tenant's webhook cannot starve another's.
 * Over a limit: 429 with Retry-After, `rate_limit_exceeded_total{scope}` counted, and a
 * `rate_limit_exceeded` log line with the address (the runbook greps for it).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime/index.ts';
import { presentsCredential } from './auth.ts';
import { HttpError } from './errors.ts';

const WINDOW_MS = 60_000;

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type Scope = 'api_key' | 'user' | 'ip' | 'webhook';

/** Registers the shared store once, at the root; the limits themselves are hooks below. */
export async function installRateLimits(app: FastifyInstance, runtime: Runtime): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    redis: runtime.redis?.client,
    nameSpace: 'omni:ratelimit:',
    timeWindow: WINDOW_MS,
  });
  const perTenant = app.createRateLimit({
    max: runtime.config.WEBHOOK_RATE_LIMIT_PER_MINUTE,
    timeWindow: WINDOW_MS,
    keyGenerator: (request) => `webhook:${webhookTenant(request) ?? `ip:${request.ip}`}`,
  });
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/webhooks/')) return;
    await enforce(perTenant, request, runtime, 'webhook');
  });
}

/** The tenant API's limits; call inside its scope, after authentication is installed. */
export function limitTenantApi(app: FastifyInstance, runtime: Runtime): void {
  const options = { max: runtime.config.RATE_LIMIT_PER_MINUTE, timeWindow: WINDOW_MS };
  const perAddress = app.createRateLimit({
    ...options,
    keyGenerator: (request) => `ip:${request.ip}`,
  });
  const perCaller = app.createRateLimit({
    ...options,
    keyGenerator: (request) =>
      request.apiKey ? `key:${request.apiKey.id}` : `user:${request.session?.userId}`,
  });
  // Before authentication (hooks run in order): an anonymous flood never reaches the database,
  // and an address that used up its budget on wrong credentials is refused before the lookup.
  app.addHook('onRequest', async (request) => {
    const anonymous = !presentsCredential(request);
    await enforce(perAddress, request, runtime, 'ip', { increment: anonymous });
  });
  // A wrong key or an ended session counts against its address, like an anonymous call.
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401 && presentsCredential(request)) await perAddress(request);
  });
  app.addHook('preHandler', async (request) => {
    if (request.apiKey) await enforce(perCaller, request, runtime, 'api_key');
    else if (request.session) await enforce(perCaller, request, runtime, 'user');
  });
}

function webhookTenant(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  const tenant = params?.tenant ?? params?.tenantId;
  return typeof tenant === 'string' && tenant ? tenant.toLowerCase() : undefined;
}

async function enforce(
  limiter: Limiter,
  request: FastifyRequest,
  runtime: Runtime,
  scope: Scope,
  options: { increment?: boolean } = {},
): Promise<void> {
  const result = await limiter(request, options);
  if (result.isAllowed) return;
  // A read does not count this request, so a spent budget (nothing remaining) already refuses.
  const over = options.increment === false ? result.remaining === 0 : result.isExceeded;
  if (!over) return;
  runtime.metrics.rateLimitExceeded.inc({ scope });
  request.log.warn(
    {
      scope,
      ip: request.ip,
      api_key_id: request.apiKey?.id,
      user_id: request.session?.userId,
      key: result.key,
    },
    'rate_limit_exceeded',
  );
  const seconds = Math.max(1, result.ttlInSeconds);
  throw new HttpError(429, 'rate_limited', `Too many requests; try again in ${seconds} s.`, {
    retryAfterSeconds: seconds,
  });
}
