/** Channels: adapters that carry messages to and from contacts (SPEC §6). */
export {
  createEmailChannel,
  EMAIL_CHANNEL,
  type EmailThread,
  emailThreadOf,
  inboundEmailSchema,
  parseInboundEmail,
} from './email/index.ts';
export {
  createRestChannel,
  IDEMPOTENCY_HEADER,
  type RestWebhookTarget,
  SIGNATURE_HEADER,
  signBody,
} from './rest.ts';
export {
  type ChannelAdapter,
  ChannelError,
  isRetryableStatus,
  type OutboundMessage,
  parseRetryAfter,
  type SendResult,
} from './types.ts';
