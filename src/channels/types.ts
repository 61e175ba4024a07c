/**
 * The channel adapter contract, outbound side (SPEC §6). An adapter sends one message and says,
 * by throwing a ChannelError, whether a failure is worth retrying and when.
 */

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
}

/** A send that failed: `retryable` false means trying again cannot help (bad recipient, auth). */
export class ChannelError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  constructor(
    message: string,
    options: { retryable: boolean; retryAfterMs?: number; status?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'ChannelError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/** HTTP answers that are worth retrying: throttling, timeouts and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
