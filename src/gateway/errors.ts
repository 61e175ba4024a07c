/**
 * One error type for every provider failure, with a `kind` that decides what the cascade does.
 * `toProviderError` is the one place where SDK and network errors are mapped to kinds.
 */
import { APICallError } from 'ai';
import { parseRetryAfter, RETRY_AFTER_CAP_MS } from '../retry/index.ts';

export type ProviderErrorKind =
  /** 429: try the next provider; keep this one out until `retry-after` passes. */
  | 'rate_limited'
  /** 5xx: try the next provider; counts towards the breaker. */
  | 'server'
  /** The attempt outlived PROVIDER_TIMEOUT_MS or the latency budget. */
  | 'timeout'
  /** No HTTP answer at all (refused, reset, DNS). */
  | 'network'
  /** 401/402/403/404: a key, account or model name to fix; the provider is skipped until then. */
  | 'misconfigured'
  /** 400/413/422: this request was refused; another provider may take it. */
  | 'invalid_request'
  /** The answer did not parse as the provider's wire format. */
  | 'invalid_response'
  /** The caller cancelled (a newer message): the cascade stops. */
  | 'cancelled';

/** A marker instead of `instanceof`, which breaks across module copies. */
const MARKER = Symbol.for('omni.gateway.ProviderError');

/** Kinds another attempt may cure (the same provider later, or the next one now). */
const RETRYABLE: ReadonlySet<ProviderErrorKind> = new Set([
  'rate_limited',
  'server',
  'timeout',
  'network',
]);

export class ProviderError extends Error {
  readonly [MARKER] = true;
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  readonly status?: number;
  /** From the `retry-after` header of a 429 or 503. */
  readonly retryAfterMs?: number;
  /** Whether trying again later may succeed; a refused key or a cancelled call never does. */
  readonly retryable: boolean;

  constructor(
    kind: ProviderErrorKind,
    provider: string,
    message: string,
    extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: extra.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.provider = provider;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
    this.retryable = RETRYABLE.has(kind);
  }

  static is(error: unknown): error is ProviderError {
    return typeof error === 'object' && error !== null && MARKER in error;
  }
}

/** Failures that say something about the provider's health (they feed the breaker). */
export function countsAgainstProvider(kind: ProviderErrorKind): boolean {
  return ['server', 'timeout', 'network', 'invalid_response'].includes(kind);
}

/**
 * Maps whatever a provider call threw. `timedOut`/`cancelled` tell an abort by our own timer from
 * one by the caller, since both reach us as the same AbortError.
 */
export function toProviderError(
  error: unknown,
  provider: string,
  context: { timedOut: boolean; cancelled: boolean },
): ProviderError {
  if (ProviderError.is(error)) return error;
  if (context.cancelled) return new ProviderError('cancelled', provider, 'cancelled by the caller');
  if (context.timedOut) {
    return new ProviderError('timeout', provider, `${provider} did not answer in time`, {
      cause: error,
    });
  }
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const message = `${provider}: ${error.message}`;
    if (status === undefined) {
      return new ProviderError('network', provider, message, { cause: error });
    }
    const extra = { status, cause: error, retryAfterMs: retryAfterMs(error.responseHeaders) };
    if (status === 429) return new ProviderError('rate_limited', provider, message, extra);
    if (status === 408) return new ProviderError('timeout', provider, message, extra);
    if ([401, 402, 403, 404].includes(status)) {
      return new ProviderError('misconfigured', provider, message, extra);
    }
    if (status >= 500) return new ProviderError('server', provider, message, extra);
    return new ProviderError('invalid_request', provider, message, extra);
  }
  const name = (error as { name?: string })?.name ?? '';
  const text = (error as Error)?.message ?? String(error);
  // The SDK's parse failures (AI_TypeValidationError, AI_JSONParseError, …) all start with AI_.
  if (name.startsWith('AI_')) {
    return new ProviderError('invalid_response', provider, `${provider}: ${text}`, {
      cause: error,
    });
  }
  return new ProviderError('network', provider, `${provider}: ${text}`, { cause: error });
}

/** `retry-after-ms` as OpenAI sends it, else the standard `retry-after` (the project's one parser). */
function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers['retry-after-ms']);
  if (headers['retry-after-ms'] && Number.isFinite(ms) && ms >= 0)
    return Math.min(ms, RETRY_AFTER_CAP_MS);
  return parseRetryAfter(headers['retry-after']);
}
