/**
 * `POST /webhooks/telegram/{tenant}` (SPEC §6.3): Telegram posts each Update with the secret given
 * to setWebhook in `X-Telegram-Bot-Api-Secret-Token`; a missing or wrong one is 401 and nothing is
 * stored. Messages are stored before the 2xx (any non-2xx makes Telegram deliver again).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { receive, TELEGRAM_CHANNEL, telegramSpec } from '../../channels/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { findTenant } from '../../tenancy/index.ts';
import { HttpError } from '../errors.ts';

export function telegramWebhookRoutes(app: FastifyInstance, runtime: Runtime): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/webhooks/telegram/:tenant',
    {
      schema: {
        tags: ['channels'],
        summary: 'Telegram Bot API: one Update per request (setWebhook with secret_token)',
        params: z.object({ tenant: z.string().min(1).max(100) }),
        body: z.looseObject({ update_id: z.number() }),
      },
    },
    async (request, reply) => {
      const tenant = await findTenant(runtime.database.db, request.params.tenant);
      if (!tenant) throw new HttpError(404, 'not_found', `No tenant "${request.params.tenant}".`);
      const settings = await runtime.channels.settingsOf(tenant.id);
      if (!settings.TELEGRAM_WEBHOOK_SECRET) {
        throw new HttpError(
          403,
          'forbidden',
          'The Telegram webhook is not enabled for this tenant.',
        );
      }
      const inbound = { headers: request.headers, rawBody: '', body: request.body };
      if (!telegramSpec.verify(inbound, { webhookSecret: settings.TELEGRAM_WEBHOOK_SECRET })) {
        throw new HttpError(401, 'unauthorized', 'The Telegram secret token is missing or wrong.');
      }
      const events = telegramSpec.parse(request.body, { groups: settings.groups });
      const summary = await receive(
        runtime.channels.receiveDeps,
        tenant.id,
        TELEGRAM_CHANNEL,
        events,
      );
      return reply.status(200).send(summary);
    },
  );
}
