/**
 * The gateway, composed (SPEC §5.3): each configured provider's AI SDK model, from the provider
 * registry, wrapped in the slot layers; the cascade over those slots as one AI SDK model; and
 * around it the daily budget and the offline responder. The result, `languageModel`, is an
 * ordinary `LanguageModelV3`: agents hand it to `generateText` with their tools, and
 * `generate()` is that call for the callers that want one answer and its bookkeeping.
 *
 * Per call, the caller's context (tenant, conversation, turn, phase, policy) travels in
 * `providerOptions.omni`; what the gateway learned (provider, model, cost, attempts, fallback)
 * comes back in `providerMetadata.omni` (call-options.ts).
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { generateText, streamText, type ToolCallPart, wrapLanguageModel } from 'ai';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';
import type { Db } from '../storage/index.ts';
import { fallbackSwitch } from '../tenancy/index.ts';
import type { BreakerSettings } from './breaker.ts';
import { gatewayProviderOptions, metadataOf } from './call-options.ts';
import { createCascade } from './cascade.ts';
import { ProviderError } from './errors.ts';
import { attemptRecord } from './layers/attempt-record.ts';
import { attemptTimeout } from './layers/attempt-timeout.ts';
import { BREAKER_GAUGE, circuitBreaker } from './layers/circuit-breaker.ts';
import { cost } from './layers/cost.ts';
import { dailyBudget } from './layers/daily-budget.ts';
import { offlineFallback } from './layers/offline-fallback.ts';
import { slotHealth } from './layers/slot-health.ts';
import { tokenBucket } from './layers/token-bucket.ts';
import { gatewayMetrics } from './metrics.ts';
import type { KnowledgeLookup } from './offline-responder.ts';
import { createPriceBook } from './prices.ts';
import {
  createProviderRegistry,
  defaultModelOf,
  type FetchFunction,
  modelVariable,
  type Slot,
} from './providers.ts';
import { gatewaySettings } from './settings.ts';
import { createSlotStates, MISCONFIGURED_RECHECK_MS } from './slot-state.ts';
import { createTenantPolicies, slotsFor } from './slots.ts';
import { memoryBuckets, redisBuckets, type TokenBuckets } from './token-bucket.ts';
import type {
  CallPolicy,
  Gateway,
  GatewayRequest,
  GatewayResult,
  ProviderStatus,
  ToolCallResult,
} from './types.ts';
import { fromCallUsage, ZERO_USAGE } from './usage.ts';

export interface GatewayDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** The runtime's Prometheus registry. */
  registry: Registry;
  /** Present in the scale profile: token buckets are shared through it. */
  redis?: Redis;
  fetch?: FetchFunction;
  now?: () => number;
  knowledge?: KnowledgeLookup;
}

export interface GatewayOptions {
  breaker?: Partial<BreakerSettings>;
}

export function createGateway(deps: GatewayDeps, options: GatewayOptions = {}): Gateway {
  const now = deps.now ?? Date.now;
  const { db, logger } = deps;
  const settings = gatewaySettings(deps.config, options.breaker);
  const metrics = gatewayMetrics(deps.registry);
  const providers = createProviderRegistry(deps.fetch);
  const local = memoryBuckets(settings.bucket, now);
  const buckets: TokenBuckets = deps.redis
    ? redisBuckets(deps.redis, settings.bucket, local)
    : local;
  const states = createSlotStates(settings.breaker, now);
  const tenants = createTenantPolicies(db, logger, now);
  const prices = createPriceBook(
    db,
    (error) => logger.warn({ err: error }, 'could not read the LLM price table'),
    now,
  );

  if (settings.unknownNames.length > 0) {
    logger.warn(
      { names: settings.unknownNames },
      'PROVIDER_PRIORITY_ORDER / LLM_PROVIDER name unknown LLM providers; they are ignored',
    );
  }

  /** Outermost first: the record sees every attempt and skip of the layers inside it. */
  const slotModel = async (slot: Slot): Promise<LanguageModelV3> => {
    const state = states.stateOf(slot);
    return wrapLanguageModel({
      model: await providers.languageModel(slot),
      middleware: [
        attemptRecord(slot, { db, logger, metrics, now }),
        slotHealth(state, logger, now),
        circuitBreaker(state, metrics),
        cost(slot, prices),
        tokenBucket(slot, buckets, settings.bucket, now),
        attemptTimeout(slot, settings.attemptTimeoutMs, now),
      ],
    }) as LanguageModelV3;
  };

  const languageModel = wrapLanguageModel({
    model: createCascade({ settings, tenants, slotModel, now }),
    middleware: [
      offlineFallback({ db, logger, metrics, settings, tenants, knowledge: deps.knowledge }),
      dailyBudget({ db, logger, metrics, settings, tenants, now }),
    ],
  }) as LanguageModelV3;

  async function generate(
    request: GatewayRequest,
    policy: CallPolicy = {},
  ): Promise<GatewayResult> {
    const started = now();
    const call = {
      model: languageModel,
      system: request.system,
      messages: request.messages,
      tools: request.tools,
      maxOutputTokens: request.maxTokens ?? settings.maxTokens,
      // The cascade decides what happens after a failure, not the SDK's retries.
      maxRetries: 0,
      abortSignal: request.signal,
      providerOptions: gatewayProviderOptions({
        tenantId: request.tenantId,
        conversationId: request.conversationId,
        turnId: request.turnId,
        purpose: request.purpose,
        phase: request.phase,
        language: request.language,
        policy,
      }),
      // The SDK's spans nest under the turn's; prompts and answers stay out of traces (PII).
      experimental_telemetry: { isEnabled: true, recordInputs: false, recordOutputs: false },
    };
    let text = '';
    let toolCalls: ToolCallResult[] = [];
    let answer: {
      usage: ReturnType<typeof fromCallUsage>;
      metadata: ReturnType<typeof metadataOf>;
    };
    if (!request.stream) {
      const result = await generateText(call);
      text = result.text;
      toolCalls = result.toolCalls.map(toToolCall);
      answer = {
        usage: fromCallUsage(result.usage),
        metadata: metadataOf(result.providerMetadata),
      };
      if (answer.metadata.fallback) request.onText?.(text);
    } else {
      // Errors arrive as stream parts; `onError` only silences the SDK's console logging of them.
      const result = streamText({ ...call, onError: () => {} });
      answer = { usage: ZERO_USAGE, metadata: {} };
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          text += part.text;
          request.onText?.(part.text);
        } else if (part.type === 'tool-call') toolCalls.push(toToolCall(part));
        else if (part.type === 'finish-step') {
          answer = {
            usage: fromCallUsage(part.usage),
            metadata: metadataOf(part.providerMetadata),
          };
        } else if (part.type === 'error') throw part.error;
        else if (part.type === 'abort') {
          throw new ProviderError('cancelled', 'gateway', 'cancelled by the caller');
        }
      }
    }
    const { metadata } = answer;
    return {
      // After an interrupted stream the answer is the offline one; the caller saw both.
      text: metadata.fallbackText ?? text,
      toolCalls,
      provider: metadata.provider ?? 'local',
      model: metadata.model ?? 'offline',
      usage: metadata.fallback ? ZERO_USAGE : answer.usage,
      costUsd: metadata.costUsd ?? 0,
      latencyMs: now() - started,
      attempts: metadata.attempts ?? [],
      fallback: metadata.fallback,
      intent: metadata.intent,
    };
  }

  function status() {
    const describe = (slot: Slot, configured: boolean): ProviderStatus => {
      const state = states.get(slot.id);
      const breaker = state?.breaker.state() ?? 'closed';
      const misconfigured =
        state?.misconfigured && now() - state.misconfigured.at < MISCONFIGURED_RECHECK_MS
          ? state.misconfigured.reason
          : !slot.model && configured
            ? `no model: set ${modelVariable(slot.provider)} or DEFAULT_MODEL`
            : undefined;
      metrics.breaker.set({ provider: slot.id }, BREAKER_GAUGE[breaker]);
      return {
        provider: slot.provider,
        source: slot.source,
        model: slot.model,
        baseUrl: slot.baseUrl,
        configured,
        healthy: configured && breaker !== 'open' && !misconfigured,
        breaker,
        consecutiveFailures: state?.breaker.consecutiveFailures() ?? 0,
        misconfigured,
        coolingUntil:
          state?.coolingUntil && state.coolingUntil > now() ? iso(state.coolingUntil) : undefined,
        lastError: state?.lastError
          ? { ...state.lastError, at: iso(state.lastError.at) }
          : undefined,
      };
    };
    const envSlots = slotsFor(settings, { policy: {} });
    const described: ProviderStatus[] = settings.order.map((provider) => {
      const slot = envSlots.find((s) => s.provider === provider);
      return slot
        ? describe(slot, true)
        : describe(
            { id: provider, provider, model: defaultModelOf(provider) ?? '', source: 'env' },
            false,
          );
    });
    for (const state of states.all()) {
      if (state.slot.source !== 'env') described.push(describe(state.slot, true));
    }
    return {
      fallbackMode: settings.fallbackMode,
      order: settings.pinned ? [settings.pinned] : settings.order,
      providers: described,
    };
  }

  return {
    languageModel,
    generate,
    withModel: (policy, fn) =>
      fn({ generate: (request, extra) => generate(request, { ...policy, ...extra }) }),
    status,
    fallbackMode: async () => (await fallbackSwitch(db)) ?? settings.fallbackMode,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function toToolCall(call: Pick<ToolCallPart, 'toolCallId' | 'toolName' | 'input'>): ToolCallResult {
  return { toolCallId: call.toolCallId, toolName: call.toolName, input: call.input };
}
