/**
 * WhatsApp Cloud API webhooks (SPEC §6.2). `GET /webhooks/whatsapp/{tenant}` answers Meta's
 * verification handshake (`hub.challenge` when `hub.verify_token` is the tenant's); `POST` carries
 * messages and statuses signed with `X-Hub-Signature-256` over the raw body — a mismatch is 401
 * and nothing is stored. The raw body is kept by a JSON parser of this scope only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { whatsappCloudSpec } from '../../channels/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { HttpError } from '../errors.ts';
import { type ProviderWebhook, receiveProviderWebhook } from './provider-webhook.ts';
import { webhookTenant, webhookTenantParams } from './webhook-tenant.ts';

const rawBodies = new WeakMap<FastifyRequest, string>();
const whatsappCloudWebhook: ProviderWebhook<{ appSecret: string }> = {
  spec: whatsappCloudSpec,
  secrets: (settings) =>
    settings.WHATSAPP_APP_SECRET ? { appSecret: settings.WHATSAPP_APP_SECRET } : undefined,
  notEnabled: 'The WhatsApp Cloud API is not enabled for this tenant.',
  unauthorized: 'The X-Hub-Signature-256 signature does not match.',
};

export function whatsappCloudWebhookRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      rawBodies.set(request, body as string);
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new HttpError(400, 'invalid_request', 'The body is not valid JSON.'), undefined);
      }
    });
    const routes = scope.withTypeProvider<ZodTypeProvider>();

    routes.get(
      '/webhooks/whatsapp/:tenant',
      {
        schema: {
          tags: ['channels'],
          summary: 'WhatsApp Cloud API: webhook verification handshake',
          params: webhookTenantParams,
          querystring: z.object({
            'hub.mode': z.string().max(50).optional(),
            'hub.verify_token': z.string().max(500).optional(),
            'hub.challenge': z.string().max(500).optional(),
          }),
        },
      },
      async (request, reply) => {
        const tenant = await webhookTenant(runtime, request.params.tenant);
        const expected = (await runtime.channels.settingsOf(tenant.id)).WHATSAPP_VERIFY_TOKEN;
        const query = request.query;
        if (
          !expected ||
          query['hub.mode'] !== 'subscribe' ||
          query['hub.verify_token'] !== expected ||
          query['hub.challenge'] === undefined
        ) {
          throw new HttpError(403, 'forbidden', 'The verify token is missing or wrong.');
        }
        return reply.type('text/plain').send(query['hub.challenge']);
      },
    );

    routes.post(
      '/webhooks/whatsapp/:tenant',
      {
        schema: {
          tags: ['channels'],
          summary: 'WhatsApp Cloud API: messages and statuses (signed with X-Hub-Signature-256)',
          params: webhookTenantParams,
          body: z.looseObject({ object: z.string().max(100) }),
        },
      },
      async (request, reply) => {
        const inbound = {
          headers: request.headers,
          rawBody: rawBodies.get(request) ?? '',
          body: request.body,
        };
        const summary = await receiveProviderWebhook(
          runtime,
          whatsappCloudWebhook,
          request.params.tenant,
          inbound,
        );
        return reply.status(200).send(summary);
      },
    );
  });
}
