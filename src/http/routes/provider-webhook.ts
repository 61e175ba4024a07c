/**
 * What the webhooks of the providers' channels (Evolution, Telegram, WhatsApp Cloud) do alike, in
 * this order: the tenant of the path (404), the channel on for it (403), the request proven to come
 * from the provider (401, nothing stored), then its events stored before the 2xx is answered.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import {
  type ChannelSettings,
  type ChannelSpec,
  type InboundRequest,
  type ReceiveSummary,
  receive,
} from '../../channels/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { HttpError } from '../errors.ts';
import { webhookTenant, webhookTenantParams } from './webhook-tenant.ts';

export interface ProviderWebhook<Secrets> {
  spec: ChannelSpec<Secrets>;
  /** What `verify` checks the request against; undefined while the channel is off for the tenant. */
  secrets(settings: ChannelSettings): Secrets | undefined;
  notEnabled: string;
  unauthorized: string;
}

export async function receiveProviderWebhook<Secrets>(
  runtime: Runtime,
  webhook: ProviderWebhook<Secrets>,
  tenantIdOrSlug: string,
  request: InboundRequest,
): Promise<ReceiveSummary> {
  const tenant = await webhookTenant(runtime, tenantIdOrSlug);
  const settings = await runtime.channels.settingsOf(tenant.id);
  const secrets = webhook.secrets(settings);
  if (!secrets) throw new HttpError(403, 'forbidden', webhook.notEnabled);
  if (!webhook.spec.verify(request, secrets)) {
    throw new HttpError(401, 'unauthorized', webhook.unauthorized);
  }
  const events = webhook.spec.parse(request.body, { groups: settings.groups });
  return receive(runtime.channels.receiveDeps, tenant.id, webhook.spec.channel, events);
}

/**
 * `POST {path}` for a provider whose proof is in the headers or the parsed body (the raw body is not
 * kept: WhatsApp Cloud, which signs it, registers its own route).
 */
export function providerWebhookRoute<Secrets>(
  app: FastifyInstance,
  runtime: Runtime,
  route: { path: string; summary: string; body: z.ZodType; webhook: ProviderWebhook<Secrets> },
): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    route.path,
    {
      schema: {
        tags: ['channels'],
        summary: route.summary,
        params: webhookTenantParams,
        body: route.body,
      },
    },
    async (request, reply) => {
      const inbound = { headers: request.headers, rawBody: '', body: request.body };
      const summary = await receiveProviderWebhook(
        runtime,
        route.webhook,
        request.params.tenant,
        inbound,
      );
      return reply.status(200).send(summary);
    },
  );
}
