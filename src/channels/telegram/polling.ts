/**
 * TELEGRAM_MODE=polling (SPEC §6.3): long-poll getUpdates and hand each update to the same
 * inbound path as the webhook. The offset is saved after every update, so a restart resumes where
 * the last run stopped (an update seen twice is deduplicated at ingest anyway). Telegram refuses
 * getUpdates while a webhook is set, so a webhook left from webhook mode is deleted first — and
 * the log says so, because it changes how the bot receives messages.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { findTenant } from '../../tenancy/index.ts';
import type { AdapterDeps } from '../adapter-deps.ts';
import { readCursor, saveCursor } from '../cursors.ts';
import { type ReceiveDeps, receive } from '../receive.ts';
import { botCall, botIdOf, botOf } from './outbound.ts';
import { TELEGRAM_CHANNEL, telegramSpec } from './spec.ts';

export interface TelegramPoller {
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;

export function startTelegramPolling(
  deps: AdapterDeps,
  receiveDeps: ReceiveDeps,
  options: { tenant: string; pollTimeoutS: number },
): TelegramPoller {
  const bot = botOf(deps.defaults);
  if (!bot) throw new Error('TELEGRAM_MODE=polling needs TELEGRAM_BOT_TOKEN.');
  const cursorName = `telegram:${botIdOf(bot)}`;
  const stopping = new AbortController();
  const log = deps.logger.child({ channel: TELEGRAM_CHANNEL, bot: botIdOf(bot) });

  const loop = async () => {
    let failures = 0;
    let webhookChecked = false;
    while (!stopping.signal.aborted) {
      try {
        const tenant = await findTenant(deps.db, options.tenant);
        if (!tenant) throw new Error(`TELEGRAM_TENANT "${options.tenant}" does not exist.`);
        if (!webhookChecked) {
          await deleteStaleWebhook();
          webhookChecked = true;
        }
        const offset = await readCursor(deps.db, cursorName);
        const batch = await botCall<unknown[]>(
          bot,
          'getUpdates',
          { offset, timeout: options.pollTimeoutS, allowed_updates: ['message'] },
          { timeoutMs: options.pollTimeoutS * 1000 + 10_000, signal: stopping.signal },
        );
        const { groups } = await deps.settingsOf(tenant.id);
        for (const update of batch.result ?? []) {
          const updateId = (update as { update_id?: number }).update_id;
          if (typeof updateId !== 'number') continue;
          await receive(
            receiveDeps,
            tenant.id,
            TELEGRAM_CHANNEL,
            telegramSpec.parse(update, { groups }),
          );
          await saveCursor(deps.db, cursorName, updateId + 1);
        }
        failures = 0;
      } catch (error) {
        if (stopping.signal.aborted) break;
        failures++;
        const waitMs = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures, 6));
        log.warn({ err: (error as Error).message, retry_in_ms: waitMs }, 'Telegram polling failed');
        await sleep(waitMs, undefined, { signal: stopping.signal }).catch(() => {});
      }
    }
  };

  const deleteStaleWebhook = async () => {
    const info = await botCall<{ url?: string }>(bot, 'getWebhookInfo', undefined, {
      timeoutMs: deps.timeoutMs,
      signal: stopping.signal,
    });
    if (!info.result?.url) return;
    await botCall(
      bot,
      'deleteWebhook',
      { drop_pending_updates: false },
      {
        timeoutMs: deps.timeoutMs,
        signal: stopping.signal,
      },
    );
    log.warn(
      { webhook: info.result.url },
      'TELEGRAM_MODE=polling: deleted the webhook that was set (Telegram allows one or the other)',
    );
  };

  log.info({ tenant: options.tenant }, 'Telegram polling started');
  const running = loop();
  return {
    async stop() {
      stopping.abort();
      await running;
      log.info('Telegram polling stopped');
    },
  };
}
