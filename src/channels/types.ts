/**
 * The channel adapter contract (SPEC §6). Glossary: a *channel spec* is the pure half of a channel
 * (verify and parse an inbound request into events, classify a provider's error answer); a
 * *channel adapter* is the effectful half built at start (send, health). An adapter sends one
 * message and says, by throwing a ChannelError, whether a failure is worth retrying and when.
 */
import type { InboundAttachment } from '../media/index.ts';
import type { ChannelError } from '../pipeline/index.ts';

export {
  type ChannelAdapter,
  ChannelError,
  type ChannelHealth,
  type OutboundMessage,
  type SendResult,
} from '../pipeline/index.ts';

/** An inbound HTTP request as the channel sees it: no framework objects, the raw body kept for signatures. */
export interface InboundRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  body: unknown;
}

export interface InboundContact {
  /** The identity replies go to: phone digits, a chat id, a group JID. */
  externalId: string;
  name?: string;
  phone?: string;
}

/** Delivery states a channel reports for our own messages, in the order they can only advance. */
export const DELIVERY_STATES = ['sent', 'delivered', 'read'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number] | 'failed';

/** What one inbound request means, once parsed. One request may carry several events. */
export type InboundEvent =
  | {
      kind: 'message';
      contact: InboundContact;
      /** The channel's id of the message: redeliveries carry the same one. */
      externalId: string;
      text: string;
      content?: Record<string, unknown>;
      /** Every file of the message (voice note, image, document…), in the channel's order. */
      attachments?: InboundAttachment[];
    }
  | {
      /** Someone answered from the business's own phone (Evolution `fromMe`), or our own echo. */
      kind: 'operator_message';
      contact: InboundContact;
      externalId: string;
      text: string;
    }
  | {
      kind: 'status';
      providerMessageId: string;
      state: DeliveryState;
      error?: { code?: number; message: string };
      /** The failure means only a person can reach the contact now (WhatsApp's 24-hour window). */
      needsHuman?: boolean;
    }
  | { kind: 'ignored'; reason: string };

/** A provider's answer to a failed call, as the classifier needs it. */
export interface ProviderAnswer {
  status: number;
  body: unknown;
  headers: { get(name: string): string | null };
}

/**
 * The pure half of a channel. `verify` says whether the request comes from the provider (a wrong
 * secret: 401, nothing stored); `parse` turns the body into events, tolerating fields it does not
 * know; `classify` turns an error answer into a ChannelError (retryable or not, and when).
 */
export interface ChannelSpec<Secrets> {
  channel: string;
  /** The longest text one message may carry; longer replies are split. */
  textLimit: number;
  verify(request: InboundRequest, secrets: Secrets): boolean;
  parse(body: unknown, options: { groups: boolean }): InboundEvent[];
  classify(answer: ProviderAnswer): ChannelError;
}

/** HTTP answers that are worth retrying: throttling, timeouts and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Channels read `Retry-After` with the project's one parser. */
export { parseRetryAfter } from '../retry/index.ts';
