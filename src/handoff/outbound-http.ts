/**
 * Calls to outside services (Slack, Chatwoot) with one rule for failures: a network error, 408,
 * 429 and 5xx are worth retrying (429 and 503 after the service's `Retry-After`), any other 4xx
 * is permanent — sending the same request again would fail the same way.
 */
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

/** POSTs JSON; resolves with the response text on 2xx, throws an IntegrationError otherwise. */
export async function postJson(request: OutboundRequest): Promise<string> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...request.headers },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    throw new IntegrationError(`${request.service} unreachable: ${(error as Error).message}`, {
      retryable: true,
      cause: error,
    });
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return text;
  const status = response.status;
  throw new IntegrationError(`${request.service} answered ${status}: ${text.slice(0, 200)}`, {
    retryable: status === 408 || status === 429 || status >= 500,
    status,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  });
}
