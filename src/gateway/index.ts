/**
 * The LLM gateway (SPEC §5), its public face. Glossary in `types.ts`. In short:
 * - `createGateway(deps)` → `{ languageModel, generate(request, policy?), withModel(policy, fn),
 *   status() }`: `languageModel` is the gateway as an AI SDK model (the provider registry's models
 *   under middleware layers, see gateway.ts). One call runs the provider cascade (breakers,
 *   buckets, budgets, cost, metrics, `llm_attempts`) and always returns an answer — a model's, or the offline responder's canned one with `fallback` set.
 *   It throws only `ProviderError{kind:'cancelled'}` when the caller's signal aborts.
 * - `createGatewayResponder(gateway)`: the gateway as the pipeline's `Responder`.
 * - `createOfflineResponder()` / `answerOffline()`: provider `local`, deterministic, no network.
 * - `llmCheck(gateway)`: the `llm` health component.
 * - Price table: `listPrices`, `setPrice`, `seedPrices`, `costOf`; `recentAttempts` per provider.
 * - `startLlmSimulator(options)`: the OpenAI/Anthropic/Google wire-format simulator
 *   (`omni sim llm`).
 */
export { type AttemptSummary, recentAttempts } from './attempts.ts';
export {
  type GatewayCallOptions,
  type GatewayMetadata,
  gatewayProviderOptions,
  metadataOf as gatewayMetadataOf,
} from './call-options.ts';
export { ProviderError, type ProviderErrorKind } from './errors.ts';
export { createGateway, type GatewayDeps, type GatewayOptions } from './gateway.ts';
export { llmCheck } from './health.ts';
export { messagesFor, OFFLINE_MESSAGES, type OfflineMessages } from './messages.ts';
export {
  answerOffline,
  createOfflineResponder,
  detectIntent,
  type KnowledgeAnswer,
  type KnowledgeLookup,
  noKnowledge,
  type OfflineIntent,
} from './offline-responder.ts';
export {
  costOf,
  DEFAULT_PRICES,
  listPrices,
  type ModelPrice,
  seedPrices,
  setPrice,
} from './prices.ts';
export { enabledProviders, isLlmProvider } from './providers.ts';
export { createGatewayResponder } from './responder.ts';
export {
  type LlmSimulator,
  parseToolCall,
  parseUsage,
  type SimBehaviour,
  type SimRequest,
  type SimulatorOptions,
  startLlmSimulator,
} from './simulator/index.ts';
export type {
  Attempt,
  CallPolicy,
  FallbackReason,
  Gateway,
  GatewayRequest,
  GatewayResult,
  GatewayStatus,
  LlmProvider,
  ProviderName,
  ProviderStatus,
  TokenUsage,
  ToolCallResult,
} from './types.ts';
export { LLM_PROVIDERS } from './types.ts';
