/**
 * The REST channel's outbound side (SPEC §6.6): replies are POSTed to the tenant's webhook URL
 * (`settings.outbound_webhook_url`), signed with HMAC-SHA256 of the raw body under
 * `settings.outbound_webhook_secret` in `X-Omni-Signature: sha256=<hex>`. Without a URL the reply
 * is only readable through the API, and the send succeeds at once. The URL goes through the
 * egress guard (src/egress).
 */
import { createHmac } from 'node:crypto';
import { egressErrorIn, guardedFetch } from '../egress/index.ts';
import { awakeTimeout } from '../retry/index.ts';
import type { ChannelAdapter, OutboundMessage, SendResult } from './types.ts';
import { ChannelError, isRetryableStatus, parseRetryAfter } from './types.ts';

export interface RestWebhookTarget {
  url?: string;
  secret?: string;
}

export const SIGNATURE_HEADER = 'x-omni-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function createRestChannel(deps: {
  targetOf: (tenantId: string) => Promise<RestWebhookTarget>;
  fetch?: typeof fetch;
  timeoutMs: number;
}): ChannelAdapter {
  const doFetch = deps.fetch ?? guardedFetch;
  return {
    channel: 'api',
    async send(message: OutboundMessage, signal: AbortSignal): Promise<SendResult> {
      const target = await deps.targetOf(message.tenantId);
      if (!target.url) return {};
      const body = JSON.stringify({
        event: 'message.outbound',
        message_id: message.messageId,
        conversation_id: message.conversationId,
        contact_id: message.to,
        text: message.text,
      });
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        [IDEMPOTENCY_HEADER]: message.idempotencyKey,
      };
      if (target.secret) headers[SIGNATURE_HEADER] = signBody(body, target.secret);
      let response: Response;
      const timeout = awakeTimeout(deps.timeoutMs);
      try {
        response = await doFetch(target.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([signal, timeout.signal]),
        });
      } catch (error) {
        const refused = egressErrorIn(error);
        if (refused) throw new ChannelError(refused.message, { retryable: false, cause: refused });
        throw new ChannelError(
          `The tenant webhook could not be reached: ${(error as Error).message}`,
          { retryable: true, cause: error },
        );
      } finally {
        timeout.clear();
      }
      if (response.ok)
        return { providerMessageId: response.headers.get('x-message-id') ?? undefined };
      throw new ChannelError(`The tenant webhook answered HTTP ${response.status}`, {
        retryable: isRetryableStatus(response.status),
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        status: response.status,
      });
    },
  };
}
