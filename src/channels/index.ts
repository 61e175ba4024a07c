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
export {
  createEvolutionChannel,
  EVOLUTION_CHANNEL,
  type EvolutionSecrets,
  evolutionSpec,
} from './evolution/index.ts';
export { type ReceiveDeps, type ReceiveSummary, receive } from './receive.ts';
export {
  createRestChannel,
  IDEMPOTENCY_HEADER,
  type RestWebhookTarget,
  SIGNATURE_HEADER,
  signBody,
} from './rest.ts';
export { type ChannelSettings, channelSettings } from './settings.ts';
export {
  type CloudSent,
  type CloudSim,
  type CloudSimOptions,
  type EvolutionSim,
  type EvolutionSimOptions,
  type SentMessage,
  type SentText,
  type SimFaults,
  startCloudSim,
  startEvolutionSim,
  startTelegramSim,
  type TelegramSim,
  type TelegramSimOptions,
} from './simulators/index.ts';
export { splitText } from './split.ts';
export {
  createTelegramChannel,
  TELEGRAM_CHANNEL,
  TELEGRAM_SECRET_HEADER,
  type TelegramSecrets,
  telegramSpec,
} from './telegram/index.ts';
export {
  type ChannelAdapter,
  ChannelError,
  type ChannelHealth,
  type ChannelSpec,
  type InboundEvent,
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
export {
  CLOUD_ERRORS,
  createWhatsAppCloudChannel,
  SIGNATURE_256_HEADER,
  WHATSAPP_CLOUD_CHANNEL,
  type WhatsAppCloudSecrets,
  whatsappCloudSpec,
} from './whatsapp-cloud/index.ts';
