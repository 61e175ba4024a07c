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
 * With Redis away the budgets are counted in this process instead (rate-limiter-flexible's
 * insurance limiter), so an outage of Redis never refuses a request it would have let through.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Runtime } from '../runtime/index.ts';
import { presentsCredential } from './auth.ts';
import { HttpError } from './errors.ts';

const WINDOW_SECONDS = 60;

type Scope = 'api_key' | 'user' | 'ip' | 'webhook';

/**
 * A budget of `points` requests a minute per key, kept under `omni:ratelimit:<name>:<key>` in Redis
 * when there is one (every process shares it), else in this process.
 */
function createLimiter(runtime: Runtime, name: string, points: number): RateLimiterAbstract {
  const inProcess = new RateLimiterMemory({ keyPrefix: name, points, duration: WINDOW_SECONDS });
  if (!runtime.redis) return inProcess;
  return new RateLimiterRedis({
    storeClient: runtime.redis.client,
    keyPrefix: `omni:ratelimit:${name}`,
    points,
    duration: WINDOW_SECONDS,
    // Redis away (or reconnecting): count here at once instead of waiting for it or failing.
    rejectIfRedisNotReady: true,
    insuranceLimiter: inProcess,
  });
}

/** The webhooks' limit; registered at the root, before any route. */
export function installRateLimits(app: FastifyInstance, runtime: Runtime): void {
  const perTenant = createLimiter(runtime, 'webhook', runtime.config.WEBHOOK_RATE_LIMIT_PER_MINUTE);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/webhooks/')) return;
    const key = webhookTenant(request) ?? `ip:${request.ip}`;
    await enforce(perTenant, key, request, runtime, 'webhook');
  });
}

/** The tenant API's limits; call inside its scope, after authentication is installed. */
export function limitTenantApi(app: FastifyInstance, runtime: Runtime): void {
  // One budget per address, per API key and per dashboard user: the keys never collide.
  const limiter = createLimiter(runtime, 'api', runtime.config.RATE_LIMIT_PER_MINUTE);
  const addressKey = (request: FastifyRequest) => `ip:${request.ip}`;
  // Before authentication (hooks run in order): an anonymous flood never reaches the database,
  // and an address that used up its budget on wrong credentials is refused before the lookup.
  app.addHook('onRequest', async (request) => {
    const anonymous = !presentsCredential(request);
    await enforce(limiter, addressKey(request), request, runtime, 'ip', { increment: anonymous });
  });
  // A wrong key or an ended session counts against its address, like an anonymous call; the
  // answer is already decided, so going over here only matters to the next request.
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401 && presentsCredential(request))
      await limiter.consume(addressKey(request)).catch(() => {});
  });
  app.addHook('preHandler', async (request) => {
    if (request.apiKey)
      await enforce(limiter, `key:${request.apiKey.id}`, request, runtime, 'api_key');
    else if (request.session)
      await enforce(limiter, `user:${request.session.userId}`, request, runtime, 'user');
  });
}

function webhookTenant(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  const tenant = params?.tenant ?? params?.tenantId;
  return typeof tenant === 'string' && tenant ? tenant.toLowerCase() : undefined;
}

/**
 * Counts this request against `key` (or, with `increment: false`, only reads the budget: a spent
 * one, nothing remaining, already refuses) and throws 429 when it is over.
 */
async function enforce(
  limiter: RateLimiterAbstract,
  key: string,
  request: FastifyRequest,
  runtime: Runtime,
  scope: Scope,
  options: { increment?: boolean } = {},
): Promise<void> {
  let over: RateLimiterRes;
  if (options.increment === false) {
    const spent = await limiter.get(key);
    if (!spent || spent.remainingPoints > 0) return;
    over = spent;
  } else {
    try {
      await limiter.consume(key);
      return;
    } catch (rejection) {
      // Anything but a refusal is the limiter failing, which must not fail the request.
      if (!(rejection instanceof RateLimiterRes)) {
        request.log.warn({ err: rejection, scope }, 'rate limit not checked');
        return;
      }
      over = rejection;
    }
  }
  runtime.metrics.rateLimitExceeded.inc({ scope });
  request.log.warn(
    {
      scope,
      ip: request.ip,
      api_key_id: request.apiKey?.id,
      user_id: request.session?.userId,
      key,
    },
    'rate_limit_exceeded',
  );
  const seconds = Math.max(1, Math.ceil(over.msBeforeNext / 1000));
  throw new HttpError(429, 'rate_limited', `Too many requests; try again in ${seconds} s.`, {
    retryAfterSeconds: seconds,
  });
}
