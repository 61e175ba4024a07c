/**
 * `POST /webhooks/evolution/{tenant}` (SPEC §6.1): Evolution API posts every event of the
 * instance here. The `apikey` (header or body) must be the tenant's Evolution key, else 401 and
 * nothing is stored; contact messages are stored before the 2xx, everything else is acknowledged.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EVOLUTION_CHANNEL, evolutionSpec, receive } from '../../channels/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { findTenant } from '../../tenancy/index.ts';
import { HttpError } from '../errors.ts';

export function evolutionWebhookRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/webhooks/evolution/:tenant',
    {
      schema: {
        tags: ['channels'],
        summary: 'WhatsApp through Evolution API v2: webhook events of the instance',
        params: z.object({ tenant: z.string().min(1).max(100) }),
        body: z.looseObject({ event: z.string().max(100) }),
      },
    },
    async (request, reply) => {
      const tenant = await findTenant(runtime.database.db, request.params.tenant);
      if (!tenant) throw new HttpError(404, 'not_found', `No tenant "${request.params.tenant}".`);
      const settings = await runtime.channels.settingsOf(tenant.id);
      if (!settings.EVOLUTION_API_KEY) {
        throw new HttpError(
          403,
          'forbidden',
          'WhatsApp (Evolution) is not enabled for this tenant.',
        );
      }
      const inbound = { headers: request.headers, rawBody: '', body: request.body };
      if (!evolutionSpec.verify(inbound, { apiKey: settings.EVOLUTION_API_KEY })) {
        throw new HttpError(401, 'unauthorized', 'The Evolution apikey is missing or wrong.');
      }
      const events = evolutionSpec.parse(request.body, { groups: settings.groups });
      const summary = await receive(
        runtime.channels.receiveDeps,
        tenant.id,
        EVOLUTION_CHANNEL,
        events,
      );
      return reply.status(200).send(summary);
    },
  );
}
