/** Telegram Bot API (SPEC §6.3): webhook or long polling in, sendMessage out. */
export { createTelegramChannel } from './outbound.ts';
export { startTelegramPolling, type TelegramPoller } from './polling.ts';
export {
  TELEGRAM_CHANNEL,
  TELEGRAM_SECRET_HEADER,
  type TelegramSecrets,
  telegramSpec,
} from './spec.ts';
