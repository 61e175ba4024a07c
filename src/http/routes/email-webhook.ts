/**
 * `POST /webhooks/email/{tenant}` (SPEC §6.5): an inbound-parse service posts each received e-mail
 * as JSON. The request must carry the tenant's e-mail webhook token; the message is stored before
 * the 2xx, and a redelivered Message-ID is acknowledged without being processed twice.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EMAIL_CHANNEL, inboundEmailSchema, parseInboundEmail } from '../../channels/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { HttpError } from '../errors.ts';
import { webhookTenant, webhookTenantParams } from './webhook-tenant.ts';

export function emailWebhookRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/webhooks/email/:tenant',
    {
      // Attachments arrive in base64 (4/3 of their size): room for a few files at MEDIA_MAX_BYTES.
      bodyLimit: runtime.config.MEDIA_MAX_BYTES * 3 + 1_048_576,
      schema: {
        tags: ['channels'],
        summary: 'Inbound e-mail (parsed JSON from an inbound-parse service)',
        params: webhookTenantParams,
        querystring: z.object({ token: z.string().max(500).optional() }),
        body: inboundEmailSchema,
      },
    },
    async (request, reply) => {
      const tenant = await webhookTenant(runtime, request.params.tenant);
      const expected =
        stringSetting(tenant.settings.email_webhook_token) ?? runtime.config.EMAIL_WEBHOOK_TOKEN;
      if (!expected) {
        throw new HttpError(403, 'forbidden', 'The e-mail webhook is not enabled for this tenant.');
      }
      const header = request.headers['x-omni-token'];
      const presented = (typeof header === 'string' ? header : request.query.token) ?? '';
      if (!sameSecret(presented, expected)) {
        throw new HttpError(401, 'unauthorized', 'The e-mail webhook token is missing or wrong.');
      }
      const parsed = parseInboundEmail(request.body);
      if ('empty' in parsed) return reply.status(200).send({ ignored: 'empty message' });
      const result = await runtime.pipeline.ingest({
        tenantId: tenant.id,
        channel: EMAIL_CHANNEL,
        contact: {
          externalId: parsed.sender.address,
          name: parsed.sender.name,
          email: parsed.sender.address,
        },
        externalId: parsed.externalId,
        text: parsed.text,
        content: { email_thread: parsed.thread },
        attachments: parsed.attachments,
      });
      return reply.status(result.duplicate ? 200 : 202).send({
        message_id: result.messageId,
        conversation_id: result.conversationId,
        status: result.status,
        duplicate: result.duplicate,
      });
    },
  );
}

/** Compares digests so the time taken says nothing about how much of the token matched. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function stringSetting(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
