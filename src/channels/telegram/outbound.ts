/**
 * Sending through the Bot API's `sendMessage` (SPEC §6.3); a 429's `parameters.retry_after` holds
 * the next send to that chat. Health asks `getMe`. Files are fetched with `getFile`, then from
 * `/file/bot<token>/<file_path>`.
 */
import type { AdapterDeps } from '../adapter-deps.ts';
import { deliverInParts } from '../deliveries.ts';
import { callProvider, downloadFromProvider } from '../provider-call.ts';
import { type ChannelAdapter, ChannelError, type ChannelHealth } from '../types.ts';
import { TELEGRAM_CHANNEL, telegramSpec } from './spec.ts';

export interface TelegramBot {
  apiUrl: string;
  token: string;
}

export function botOf(settings: {
  TELEGRAM_BOT_TOKEN?: string;
  TELEGRAM_API_URL?: string;
}): TelegramBot | undefined {
  const { TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_URL: apiUrl } = settings;
  return token && apiUrl ? { token, apiUrl } : undefined;
}

/** The bot's id is the token's first half: it names the bot without revealing the secret. */
export const botIdOf = (bot: TelegramBot) => bot.token.split(':')[0] ?? 'bot';

export function botCall<T>(
  bot: TelegramBot,
  method: string,
  body: unknown,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<{ ok: boolean; result: T }> {
  return callProvider<{ ok: boolean; result: T }>({
    provider: 'Telegram',
    url: `${bot.apiUrl}/bot${bot.token}/${method}`,
    body,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    classify: telegramSpec.classify,
  });
}

export function createTelegramChannel(deps: AdapterDeps): ChannelAdapter {
  return {
    channel: TELEGRAM_CHANNEL,
    async send(message, signal) {
      const bot = botOf(await deps.settingsOf(message.tenantId));
      if (!bot) {
        throw new ChannelError('Telegram replies need TELEGRAM_BOT_TOKEN.', { retryable: false });
      }
      return deliverInParts(deps, {
        channel: TELEGRAM_CHANNEL,
        sender: botIdOf(bot),
        textLimit: telegramSpec.textLimit,
        message,
        signal,
        sendPart: async (text, partSignal) => {
          const sent = await botCall<{ message_id?: number }>(
            bot,
            'sendMessage',
            { chat_id: message.to, text },
            { timeoutMs: deps.timeoutMs, signal: partSignal },
          );
          const id = sent?.result?.message_id;
          return id === undefined ? undefined : `${message.to}:${id}`;
        },
      });
    },
    async fetchMedia(tenantId, source, signal) {
      const bot = botOf(await deps.settingsOf(tenantId));
      if (!bot || typeof source.file_id !== 'string') {
        throw new ChannelError('Telegram media needs TELEGRAM_BOT_TOKEN and a file id.', {
          retryable: false,
        });
      }
      const file = await botCall<{ file_path?: string }>(
        bot,
        'getFile',
        { file_id: source.file_id },
        { timeoutMs: deps.timeoutMs, signal },
      );
      const path = file?.result?.file_path;
      if (!path) throw new ChannelError('Telegram gave no file path.', { retryable: false });
      // The token is in this URL: it is never logged or stored, only fetched.
      return downloadFromProvider({
        provider: 'Telegram',
        url: `${bot.apiUrl}/file/bot${bot.token}/${path}`,
        signal,
        timeoutMs: deps.timeoutMs,
        classify: telegramSpec.classify,
      });
    },
    async health(): Promise<ChannelHealth> {
      const bot = botOf(deps.defaults);
      if (!bot) return { status: 'down', error: 'Telegram is not configured.' };
      try {
        const me = await botCall<{ username?: string }>(bot, 'getMe', undefined, {
          timeoutMs: Math.min(deps.timeoutMs, 2_000),
        });
        return { status: 'up', bot: me.result?.username };
      } catch (error) {
        return { status: 'down', error: (error as Error).message };
      }
    },
  };
}
