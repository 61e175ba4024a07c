/** Telegram Bot API (SPEC §6.3): webhook or long polling in, sendMessage out. */
export { createTelegramChannel } from './outbound.ts';
export { startTelegramPolling, type TelegramPoller } from './polling.ts';
export { TELEGRAM_CHANNEL, telegramSpec } from './spec.ts';
