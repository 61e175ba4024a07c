/**
 * WhatsApp Cloud API webhooks (SPEC §6.2). `GET /webhooks/whatsapp/{tenant}` answers Meta's
 * verification handshake (`hub.challenge` when `hub.verify_token` is the tenant's); `POST` carries
 * messages and statuses signed with `X-Hub-Signature-256` over the raw body — a mismatch is 401
 * and nothing is stored. The raw body is kept by a JSON parser of this scope only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { receive, WHATSAPP_CLOUD_CHANNEL, whatsappCloudSpec } from '../../channels/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { findTenant, type Tenant } from '../../tenancy/index.ts';
import { HttpError } from '../errors.ts';

const rawBodies = new WeakMap<FastifyRequest, string>();
const params = z.object({ tenant: z.string().min(1).max(100) });

export function whatsappCloudWebhookRoutes(app: FastifyInstance, runtime: Runtime): void {
  const tenantOf = async (slug: string): Promise<Tenant> => {
    const tenant = await findTenant(runtime.database.db, slug);
    if (!tenant) throw new HttpError(404, 'not_found', `No tenant "${slug}".`);
    return tenant;
  };

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
          params,
          querystring: z.object({
            'hub.mode': z.string().max(50).optional(),
            'hub.verify_token': z.string().max(500).optional(),
            'hub.challenge': z.string().max(500).optional(),
          }),
        },
      },
      async (request, reply) => {
        const tenant = await tenantOf(request.params.tenant);
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
          params,
          body: z.looseObject({ object: z.string().max(100) }),
        },
      },
      async (request, reply) => {
        const tenant = await tenantOf(request.params.tenant);
        const settings = await runtime.channels.settingsOf(tenant.id);
        if (!settings.WHATSAPP_APP_SECRET) {
          throw new HttpError(
            403,
            'forbidden',
            'The WhatsApp Cloud API is not enabled for this tenant.',
          );
        }
        const inbound = {
          headers: request.headers,
          rawBody: rawBodies.get(request) ?? '',
          body: request.body,
        };
        if (!whatsappCloudSpec.verify(inbound, { appSecret: settings.WHATSAPP_APP_SECRET })) {
          throw new HttpError(
            401,
            'unauthorized',
            'The X-Hub-Signature-256 signature does not match.',
          );
        }
        const events = whatsappCloudSpec.parse(request.body, { groups: settings.groups });
        const summary = await receive(
          runtime.channels.receiveDeps,
          tenant.id,
          WHATSAPP_CLOUD_CHANNEL,
          events,
        );
        return reply.status(200).send(summary);
      },
    );
  });
}
