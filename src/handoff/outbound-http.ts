/**
 * Calls to outside services (Slack, Chatwoot), through the egress guard, with one rule for
 * failures: a refused address is permanent; a network error, 408,
 * 429 and 5xx are worth retrying (429 and 503 after the service's `Retry-After`), any other 4xx
 * is permanent — sending the same request again would fail the same way.
 */
import { callOutside, failureAs } from '../egress/index.ts';
import { parseRetryAfter } from '../retry/index.ts';

export class IntegrationError extends Error {
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  constructor(
    message: string,
    options: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'IntegrationError';
    this.retryable = options.retryable;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export interface OutboundRequest {
  service: string;
  url: string;
  body: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
}

/** POSTs JSON through the egress guard; resolves with the response text on 2xx, throws an IntegrationError otherwise. */
export async function postJson(request: OutboundRequest): Promise<string> {
  const answer = await callOutside({
    url: request.url,
    headers: request.headers,
    json: request.body,
    timeoutMs: request.timeoutMs,
    service: request.service,
  }).catch(failureAs((message, options) => new IntegrationError(message, options)));
  if (answer.ok) return answer.text;
  const status = answer.status;
  throw new IntegrationError(
    `${request.service} answered ${status}: ${answer.text.slice(0, 200)}`,
    {
      retryable: status === 408 || status === 429 || status >= 500,
      status,
      retryAfterMs: parseRetryAfter(answer.headers.get('retry-after')),
    },
  );
}
