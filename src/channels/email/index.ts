/** The e-mail channel (SPEC §6.5): inbound-parse webhook JSON in, SMTP out, threaded by Message-ID. */

export {
  type EmailThread,
  type InboundEmail,
  inboundEmailSchema,
  type ParsedEmail,
  parseInboundEmail,
} from './inbound.ts';
export { createEmailChannel, EMAIL_CHANNEL, type EmailTarget } from './outbound.ts';
export { emailThreadOf } from './thread.ts';
