/**
 * `POST /webhooks/evolution/{tenant}` (SPEC §6.1): Evolution API posts every event of the
 * instance here. The `apikey` (header or body) must be the tenant's Evolution key, else 401 and
 * nothing is stored; contact messages are stored before the 2xx, everything else is acknowledged.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { evolutionSpec } from '../../channels/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { providerWebhookRoute } from './provider-webhook.ts';

export function evolutionWebhookRoutes(app: FastifyInstance, runtime: Runtime): void {
  providerWebhookRoute(app, runtime, {
    path: '/webhooks/evolution/:tenant',
    summary: 'WhatsApp through Evolution API v2: webhook events of the instance',
    body: z.looseObject({ event: z.string().max(100) }),
    webhook: {
      spec: evolutionSpec,
      secrets: (settings) =>
        settings.EVOLUTION_API_KEY ? { apiKey: settings.EVOLUTION_API_KEY } : undefined,
      notEnabled: 'WhatsApp (Evolution) is not enabled for this tenant.',
      unauthorized: 'The Evolution apikey is missing or wrong.',
    },
  });
}
