/**
 * Rate limits of the tenant API (SPEC §9): RATE_LIMIT_PER_MINUTE requests per API key (per
 * address for calls without one), counted in Redis when there is one so that every API process
 * shares the same budget. Over it: 429 with Retry-After. Runs after authentication, so the key's
 * own id names the bucket.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime/index.ts';
import { HttpError } from './errors.ts';

const WINDOW_MS = 60_000;

export async function limitRequests(app: FastifyInstance, runtime: Runtime): Promise<void> {
  await app.register(rateLimit, {
    hook: 'preHandler',
    max: runtime.config.RATE_LIMIT_PER_MINUTE,
    timeWindow: WINDOW_MS,
    redis: runtime.redis?.client,
    nameSpace: 'omni:ratelimit:',
    keyGenerator: (request) => (request.apiKey ? `key:${request.apiKey.id}` : `ip:${request.ip}`),
    onExceeded: (request) => {
      runtime.metrics.rateLimitExceeded.inc({ scope: request.apiKey ? 'api_key' : 'ip' });
      request.log.warn({ api_key_id: request.apiKey?.id, ip: request.ip }, 'rate limit exceeded');
    },
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `Too many requests; try again in ${context.after}.`),
  });
}
