/**
 * The LLM gateway (SPEC §5). Today: the offline responder (`local`), which answers when no
 * provider is configured. Providers, cascade, budgets and breakers arrive with the gateway issue.
 */
export { messagesFor, OFFLINE_MESSAGES, type OfflineMessages } from './messages.ts';
export { createOfflineResponder, detectIntent, type OfflineIntent } from './offline-responder.ts';
