import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramSim, type TelegramSim } from '../../src/channels/index.ts';
import { checkHealth } from '../../src/observability/index.ts';
import { type Harness, openHarness, QUEUE_BACKENDS } from '../pipeline/harness.ts';
import { rows } from '../support/sql.ts';

const SECRET = 'tg-secret_Token-123';

async function botApi(sim: TelegramSim, method: string, body: unknown) {
  const response = await fetch(`${sim.url}/bot${sim.token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}

// End to end through real HTTP with the Bot API simulator, in both receiving modes.
describe.each(QUEUE_BACKENDS)('Telegram (%s queue)', (backend) => {
  describe('webhook mode', () => {
    let sim: TelegramSim;
    let harness: Harness;

    beforeAll(async () => {
      sim = await startTelegramSim();
      harness = await openHarness(backend, {
        redisDb: 13,
        env: {
          TELEGRAM_API_URL: sim.url,
          TELEGRAM_BOT_TOKEN: sim.token,
          TELEGRAM_WEBHOOK_SECRET: SECRET,
        },
      });
      const omni = await harness.server.app.listen({ port: 0, host: '127.0.0.1' });
      // What an operator does once (README): point the bot at Omni with the secret.
      await botApi(sim, 'setWebhook', {
        url: `${omni}/webhooks/telegram/acme`,
        secret_token: SECRET,
      });
    });
    afterAll(async () => {
      await harness.close();
      await sim.close();
    });

    it('answers a private message once, and acknowledges a redelivered update', async () => {
      const first = await sim.customerSays(123456789, 'Olá, quero saber o preço', {
        name: 'Maria Silva',
      });
      expect(first).toMatchObject({ delivered: 'webhook', status: 200 });
      const [reply] = await sim.waitForSent(1);
      expect(reply).toMatchObject({ chatId: '123456789', text: 'eco: Olá, quero saber o preço' });
      const [contact] = await rows<{ display_name: string }>(
        harness.test.runtime.database.db,
        `select display_name from contacts where external_id = '123456789'`,
      );
      expect(contact?.display_name).toBe('Maria Silva');

      // Telegram delivers an update again when it missed our 2xx: same chat and message id.
      const update = {
        message: {
          message_id: 42,
          from: { id: 4242, is_bot: false, first_name: 'Bia' },
          chat: { id: 4242, type: 'private' },
          date: 1717689097,
          text: 'Repetida',
        },
      };
      expect((await sim.deliver(update)).status).toBe(200);
      expect((await sim.deliver(update)).status).toBe(200);
      await sim.waitForSent(2);
      await sleep(500);
      expect(sim.sent.map((s) => s.chatId)).toEqual(['123456789', '4242']);
    });

    it('reports the bot in health', async () => {
      const report = await checkHealth(harness.test.runtime.healthChecks);
      expect(report.components.telegram).toMatchObject({ status: 'up', bot: 'omni_sim_bot' });
    });

    it('refuses a missing or wrong secret with 401 and stores nothing', async () => {
      const db = harness.test.runtime.database.db;
      const before = (await rows(db, 'select id from messages')).length;
      for (const headers of [{}, { 'x-telegram-bot-api-secret-token': 'wrong' }]) {
        const response = await harness.server.app.inject({
          method: 'POST',
          url: '/webhooks/telegram/acme',
          headers,
          payload: {
            update_id: 1,
            message: { message_id: 9, chat: { id: 5, type: 'private' }, date: 1, text: 'oi' },
          },
        });
        expect(response.statusCode).toBe(401);
      }
      expect(await rows(db, 'select id from messages')).toHaveLength(before);
    });

    it('honours parameters.retry_after of a 429 and loses nothing', async () => {
      sim.faults({ status: 429, times: 1, retryAfterS: 2 });
      const attemptsBefore = sim.attempts.length;
      await sim.customerSays(555, 'Tem desconto?');
      const sent = await sim.waitForSent(3, 15_000);
      const refused = sim.attempts[attemptsBefore];
      const retried = sent.find((s) => s.chatId === '555');
      expect(refused?.status).toBe(429);
      expect(retried?.text).toBe('eco: Tem desconto?');
      expect((retried?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    });
  });

  describe('polling mode', () => {
    let sim: TelegramSim;
    let harness: Harness;

    beforeAll(async () => {
      sim = await startTelegramSim();
      // A webhook left over from webhook mode: polling must delete it (and say so).
      await botApi(sim, 'setWebhook', { url: 'http://127.0.0.1:9/stale', secret_token: SECRET });
      harness = await openHarness(backend, {
        redisDb: 13,
        env: {
          TELEGRAM_API_URL: sim.url,
          TELEGRAM_BOT_TOKEN: sim.token,
          TELEGRAM_MODE: 'polling',
          TELEGRAM_TENANT: 'acme',
          TELEGRAM_POLL_TIMEOUT_S: '1',
        },
      });
      harness.test.runtime.channels.startPolling();
    });
    afterAll(async () => {
      await harness.close();
      await sim.close();
    });

    it('deletes the stale webhook, answers polled messages once and keeps its offset', async () => {
      for (let i = 0; i < 100 && sim.webhook(); i++) await sleep(50);
      expect(sim.webhook()).toBeUndefined();
      const { updateId } = await sim.customerSays(777, 'Oi, bot');
      const [reply] = await sim.waitForSent(1);
      expect(reply).toMatchObject({ chatId: '777', text: 'eco: Oi, bot' });

      const cursor = async () =>
        (
          await rows<{ position: string }>(
            harness.test.runtime.database.db,
            'select position from channel_cursors',
          )
        )[0]?.position;
      expect(Number(await cursor())).toBe(updateId + 1);

      // A restart of the poller resumes at the saved offset: the next message only, once.
      await harness.test.runtime.channels.stopPolling();
      const next = await sim.customerSays(777, 'Ainda está aí?');
      harness.test.runtime.channels.startPolling();
      const sent = await sim.waitForSent(2);
      expect(sent[1]?.text).toBe('eco: Ainda está aí?');
      await sleep(500);
      expect(sim.sent).toHaveLength(2);
      expect(Number(await cursor())).toBe(next.updateId + 1);
    });
  });
});
