/**
 * The LLM gateway's shared types (SPEC §5). Glossary:
 * - *provider*: a vendor endpoint family (`openai`, `anthropic`, `google`, `xai`, `ollama`,
 *   `openai-compatible`) reached through its AI SDK package; `local` is the offline responder.
 * - *slot*: one configured provider as the cascade sees it — name, model, key, base URL. A tenant
 *   with its own key gets its own slot, so its breaker and bucket are its own.
 * - *cascade*: the ordered slots one call may try; `local` (canned answers) always closes it.
 * - *attempt*: one request to one slot, recorded in `llm_attempts` whatever its outcome; a *skip*
 *   is a slot passed over without a request (breaker open, over budget, rate limited…).
 * - *latency budget*: `MAX_LATENCY_MS`, one deadline for the whole cascade; each attempt also has
 *   its own timeout (`PROVIDER_TIMEOUT_MS`).
 * - *phase*: what a call is for (`reply`, `classify`, …); a label on metrics and attempts.
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { ModelMessage, ToolSet } from 'ai';
import type { ProviderErrorKind } from './errors.ts';

export const LLM_PROVIDERS = [
  'openai',
  'anthropic',
  'google',
  'xai',
  'ollama',
  'openai-compatible',
] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];
export type ProviderName = LlmProvider | 'local';

export interface GatewayRequest {
  tenantId?: string;
  conversationId?: string;
  /** Links the attempts to the turn they served (a `turns` row). */
  turnId?: string;
  /** `simple` picks SIMPLE_QUERY_MODEL (routing, classification); default `reply`. */
  purpose?: 'reply' | 'simple';
  /** Label for metrics and attempts; defaults to the purpose. */
  phase?: string;
  system?: string;
  messages: ModelMessage[];
  /** Tools without `execute`: the gateway returns the calls, the caller runs them. */
  tools?: ToolSet;
  maxTokens?: number;
  /** Language of canned answers when every provider fails; default the tenant's, else pt-BR. */
  language?: string;
  /** Stream from the provider; `onText` receives the text as it arrives. */
  stream?: boolean;
  onText?: (delta: string) => void;
  /** Cancels the call (a newer message made the reply moot); never retried. */
  signal?: AbortSignal;
}

/** Per-call policy (SPEC §5.2 `withModel`); every field narrows the configured policy. */
export interface CallPolicy {
  /** Tried first when it is configured. */
  preferredProvider?: LlmProvider;
  /** Only these, in this order. */
  providers?: LlmProvider[];
  /** USD; a slot whose estimated cost exceeds it is skipped. */
  maxCost?: number;
  maxLatencyMs?: number;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the provider's prompt cache (priced lower). */
  cachedInputTokens: number;
}

export type AttemptOutcome = 'ok' | 'error' | 'skipped';

export interface Attempt {
  provider: ProviderName;
  model: string;
  outcome: AttemptOutcome;
  /** Why it failed or was skipped. */
  errorKind?: ProviderErrorKind | SkipReason;
  error?: string;
  latencyMs: number;
  usage?: TokenUsage;
  costUsd?: number;
}

export type SkipReason =
  | 'circuit_open'
  | 'misconfigured'
  | 'cooling_down'
  | 'over_cost'
  | 'rate_limited_locally';

export interface ToolCallResult {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** Why the answer came from canned responses instead of a model. */
export type FallbackReason =
  | 'fallback_mode'
  | 'no_provider'
  | 'all_failed'
  | 'latency_budget'
  | 'stream_interrupted';

export interface GatewayResult {
  text: string;
  toolCalls: ToolCallResult[];
  provider: ProviderName;
  model: string;
  usage: TokenUsage;
  costUsd: number;
  latencyMs: number;
  /** Every attempt and skip of this call, in order. */
  attempts: Attempt[];
  /** Set when `local` answered because the models could not. */
  fallback?: FallbackReason;
  /** The intent the offline responder detected, when it answered. */
  intent?: string;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface ProviderStatus {
  provider: LlmProvider;
  /** `tenant:<id>` for a tenant's own key; `env` otherwise. */
  source: string;
  model: string;
  baseUrl?: string;
  configured: boolean;
  healthy: boolean;
  breaker: BreakerState;
  consecutiveFailures: number;
  /** Set after a 400/401/403/404: which setting to fix. */
  misconfigured?: string;
  /** Until when a 429's retry-after keeps the slot out of the cascade. */
  coolingUntil?: string;
  lastError?: { kind: string; message: string; at: string };
}

export interface GatewayStatus {
  /** FALLBACK_MODE as configured; `fallbackMode()` also reads `omni fallback on|off`. */
  fallbackMode: boolean;
  order: LlmProvider[];
  providers: ProviderStatus[];
}

export interface Gateway {
  /**
   * The whole gateway as an AI SDK model: cascade, breakers, buckets, cost, attempt records and
   * the offline responder as its layers. Context per call in `providerOptions.omni`
   * (`gatewayProviderOptions`), what happened in `providerMetadata.omni` (`gatewayMetadataOf`).
   */
  languageModel: LanguageModelV3;
  /** One answer (text or tool calls) and its bookkeeping: `generateText` on `languageModel`. */
  generate(request: GatewayRequest, policy?: CallPolicy): Promise<GatewayResult>;
  /** Runs `fn` with a gateway whose calls all follow `policy` (SPEC §5.2). */
  withModel<T>(policy: CallPolicy, fn: (llm: Pick<Gateway, 'generate'>) => Promise<T>): Promise<T>;
  status(): GatewayStatus;
  /** Fallback mode for the instance now: `omni fallback on|off` if switched, else FALLBACK_MODE. */
  fallbackMode(): Promise<boolean>;
}
