/**
 * `POST /webhooks/telegram/{tenant}` (SPEC §6.3): Telegram posts each Update with the secret given
 * to setWebhook in `X-Telegram-Bot-Api-Secret-Token`; a missing or wrong one is 401 and nothing is
 * stored. Messages are stored before the 2xx (any non-2xx makes Telegram deliver again).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { telegramSpec } from '../../channels/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { providerWebhookRoute } from './provider-webhook.ts';

export function telegramWebhookRoutes(app: FastifyInstance, runtime: Runtime): void {
  providerWebhookRoute(app, runtime, {
    path: '/webhooks/telegram/:tenant',
    summary: 'Telegram Bot API: one Update per request (setWebhook with secret_token)',
    body: z.looseObject({ update_id: z.number() }),
    webhook: {
      spec: telegramSpec,
      secrets: (settings) =>
        settings.TELEGRAM_WEBHOOK_SECRET
          ? { webhookSecret: settings.TELEGRAM_WEBHOOK_SECRET }
          : undefined,
      notEnabled: 'The Telegram webhook is not enabled for this tenant.',
      unauthorized: 'The Telegram secret token is missing or wrong.',
    },
  });
}
