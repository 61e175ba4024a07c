/** Channels: adapters that carry messages to and from contacts (SPEC §6). */

export { type ChannelSet, createChannelSet } from './channel-set.ts';
export {
  createEmailChannel,
  EMAIL_CHANNEL,
  type EmailThread,
  emailThreadOf,
  inboundEmailSchema,
  parseInboundEmail,
} from './email/index.ts';
export { EVOLUTION_CHANNEL, evolutionSpec } from './evolution/index.ts';
export { type MediaPlaceholder, type MediaType, mediaPlaceholder } from './media.ts';
export { type ReceiveSummary, receive } from './receive.ts';
export {
  createRestChannel,
  IDEMPOTENCY_HEADER,
  type RestWebhookTarget,
  SIGNATURE_HEADER,
  signBody,
} from './rest.ts';
export type { ChannelSettings } from './settings.ts';
export {
  type CloudSim,
  type EvolutionSim,
  type SimFaults,
  startCloudSim,
  startEvolutionSim,
  startTelegramSim,
  type TelegramSim,
} from './simulators/index.ts';
export { splitText } from './split.ts';
export { TELEGRAM_CHANNEL, telegramSpec } from './telegram/index.ts';
export {
  type ChannelAdapter,
  ChannelError,
  type ChannelSpec,
  type InboundRequest,
  isRetryableStatus,
  type OutboundMessage,
  type ProviderAnswer,
  parseRetryAfter,
  type SendResult,
} from './types.ts';
export {
  type ClientFrame,
  clientFrameSchema,
  createWebchatChannel,
  createWebchatHub,
  type HubEvent,
  latestConversation,
  MAX_TEXT_LENGTH,
  type ServerFrame,
  type VisitorConversation,
  type VisitorSocket,
  visibleMessage,
  visitorContactId,
  visitorHistory,
  visitorMessageId,
  WEBCHAT_CHANNEL,
  type WebchatErrorCode,
  type WebchatHub,
  type WireMessage,
} from './webchat/index.ts';
export { WHATSAPP_CLOUD_CHANNEL, whatsappCloudSpec } from './whatsapp-cloud/index.ts';
