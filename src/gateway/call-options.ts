/**
 * What travels with one model call through the gateway's layers, in the AI SDK's own channels:
 * the caller's context in `providerOptions.omni` (providers ignore namespaces not theirs), and
 * what the gateway learned in `providerMetadata.omni` on the result (or the stream's `finish`).
 * Both must be JSON, so they hold ids and numbers, never objects with behaviour.
 */
import type {
  LanguageModelV3CallOptions,
  SharedV3ProviderMetadata,
  SharedV3ProviderOptions,
} from '@ai-sdk/provider';
import type { Attempt, CallPolicy, FallbackReason, ProviderName } from './types.ts';

/** The caller's context (`generateText({ providerOptions: { omni: … } })`). */
export interface GatewayCallOptions {
  tenantId?: string;
  conversationId?: string;
  turnId?: string;
  /** `simple` picks SIMPLE_QUERY_MODEL; default `reply`. */
  purpose?: 'reply' | 'simple';
  /** Label for metrics and attempts; defaults to the purpose. */
  phase?: string;
  /** Language of canned answers when every provider fails. */
  language?: string;
  policy?: CallPolicy;
}

/** What the cascade adds for the layers around one slot. */
export interface SlotCallOptions extends GatewayCallOptions {
  phase: string;
  tenantSlug?: string;
  /** Epoch ms: MAX_LATENCY_MS (or the policy's) from the start of the call. */
  deadline: number;
  /** The last slot waits for a rate-limit token within the deadline; the others pass it on. */
  lastSlot: boolean;
  maxCost?: number;
  promptChars: number;
}

/** What the gateway says about the answer it returned. */
export interface GatewayMetadata {
  provider: ProviderName;
  model: string;
  costUsd?: number;
  /** The attempt of one slot (set by its record layer), then every attempt of the call. */
  attempt?: Attempt;
  attempts?: Attempt[];
  fallback?: FallbackReason;
  intent?: string;
  /** The offline answer alone, when it followed text already streamed. */
  fallbackText?: string;
}

export function callOptionsOf<T extends GatewayCallOptions = GatewayCallOptions>(
  params: LanguageModelV3CallOptions,
): Partial<T> {
  return (params.providerOptions?.omni ?? {}) as Partial<T>;
}

export function withCallOptions(
  params: LanguageModelV3CallOptions,
  options: GatewayCallOptions | SlotCallOptions,
): LanguageModelV3CallOptions {
  return {
    ...params,
    providerOptions: { ...params.providerOptions, omni: asJson(options) },
  };
}

/** For `generateText({ providerOptions })`. */
export function gatewayProviderOptions(options: GatewayCallOptions): SharedV3ProviderOptions {
  return { omni: asJson(options) };
}

export function metadataOf(
  metadata: SharedV3ProviderMetadata | undefined,
): Partial<GatewayMetadata> {
  return (metadata?.omni ?? {}) as Partial<GatewayMetadata>;
}

export function withMetadata(
  metadata: SharedV3ProviderMetadata | undefined,
  extra: Partial<GatewayMetadata>,
): SharedV3ProviderMetadata {
  return { ...metadata, omni: asJson({ ...metadataOf(metadata), ...extra }) };
}

/** Drops undefined fields, which JSON has no room for. */
function asJson(value: object): Record<string, never> {
  return JSON.parse(JSON.stringify(value)) as Record<string, never>;
}
