/**
 * `POST /webhooks/chatwoot/{tenant}?token=…`: Chatwoot's Agent Bot webhook (and, for status
 * changes, its account or API-inbox webhook) for a tenant mirrored into Chatwoot. Chatwoot signs
 * none of these, so the URL carries a secret (CHATWOOT_WEBHOOK_TOKEN, or the tenant's
 * `chatwoot_webhook_token`). Always answered 200 once handled: Chatwoot does not retry anyway.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { handleChatwootEvent } from '../../handoff/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { HttpError } from '../errors.ts';
import { webhookTenant, webhookTenantParams } from './webhook-tenant.ts';

export function chatwootWebhookRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/webhooks/chatwoot/:tenant',
    {
      schema: {
        tags: ['handoff'],
        summary: 'Chatwoot Agent Bot / account webhook (agent replies, status and label changes)',
        params: webhookTenantParams,
        querystring: z.object({ token: z.string().max(500).optional() }),
        body: z.record(z.string(), z.unknown()),
      },
    },
    async (request) => {
      const tenant = await webhookTenant(runtime, request.params.tenant);
      const own = tenant.settings.chatwoot_webhook_token;
      const expected = (typeof own === 'string' && own) || runtime.config.CHATWOOT_WEBHOOK_TOKEN;
      if (!expected) {
        throw new HttpError(
          403,
          'forbidden',
          'The Chatwoot webhook is not enabled for this tenant.',
        );
      }
      if (!sameSecret(request.query.token ?? '', expected)) {
        throw new HttpError(401, 'unauthorized', 'The Chatwoot webhook token is missing or wrong.');
      }
      const outcome = await handleChatwootEvent(
        {
          db: runtime.database.db,
          queue: runtime.pipeline.queue,
          label: runtime.config.CHATWOOT_HANDOFF_LABEL,
        },
        tenant.id,
        request.body,
      );
      return { outcome };
    },
  );
}

/** Compares digests so the time taken says nothing about how much of the token matched. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
