/**
 * What the pipeline needs of a channel: an adapter that sends one message and says, by throwing a
 * ChannelError, whether a failure is worth retrying and when. Channels implement this port; the
 * pipeline never imports a channel (the runtime hands it the adapters).
 */
import type { FetchedMedia } from '../media/index.ts';
import type { HealthCheck } from '../observability/index.ts';

export type ChannelHealth = Awaited<ReturnType<HealthCheck['check']>>;

export interface OutboundMessage {
  tenantId: string;
  conversationId: string;
  messageId: string;
  /** Stable across retries of the same message; channels that dedupe use it. */
  idempotencyKey: string;
  /** The contact's identity on the channel (phone, chat id, the REST caller's contact id). */
  to: string;
  text: string;
}

export interface SendResult {
  /** The channel's id of the delivered message, when it gives one. */
  providerMessageId?: string;
}

export interface ChannelAdapter {
  channel: string;
  send(message: OutboundMessage, signal: AbortSignal): Promise<SendResult>;
  /** The provider's side as health reports it (WhatsApp connection state, bot reachable…). */
  health?(): Promise<ChannelHealth>;
  /**
   * Fetches an attachment the channel announced at ingest (`source` is what its spec put there:
   * a media id, a file id, a message key), so the turn can keep and understand it.
   */
  fetchMedia?(
    tenantId: string,
    source: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<FetchedMedia>;
}

/** A send that failed: `retryable` false means trying again cannot help (bad recipient, auth). */
export class ChannelError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  /** The provider's own error code (Meta's 131047, …), when it gives one. */
  readonly code?: number;
  /** Sending cannot work without a person (WhatsApp's 24-hour window closed): hand off. */
  readonly needsHuman: boolean;
  /** The wait applies to everything the sender sends (a number's throughput), not one recipient. */
  readonly holdsSender: boolean;
  constructor(
    message: string,
    options: {
      retryable: boolean;
      retryAfterMs?: number;
      status?: number;
      code?: number;
      needsHuman?: boolean;
      holdsSender?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.name = 'ChannelError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
    this.code = options.code;
    this.needsHuman = options.needsHuman ?? false;
    this.holdsSender = options.holdsSender ?? false;
  }
}
