/**
 * The cascade (SPEC §5.3): try the configured providers in order within one latency budget;
 * skip those whose breaker is open, whose key was refused, whose retry-after has not passed, whose
 * estimated cost is over the cap or whose bucket is empty; on 429, 5xx, timeout or network errors
 * go to the next; when none answers, the offline responder gives the tenant's canned answer and
 * offers a human. Every attempt is recorded and measured.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { and, eq, gte, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';
import { awakeTimeout } from '../retry/index.ts';
import { openSecrets } from '../secrets/index.ts';
import { type Db, schema } from '../storage/index.ts';
import { fallbackSwitch } from '../tenancy/index.ts';
import { type Breaker, type BreakerSettings, createBreaker } from './breaker.ts';
import { callModel } from './call.ts';
import { countsAgainstProvider, type ProviderError, toProviderError } from './errors.ts';
import { gatewayMetrics } from './metrics.ts';
import { answerOffline, type KnowledgeLookup } from './offline-responder.ts';
import { costOf, estimateCost, listPrices, type ModelPrice, seedPrices } from './prices.ts';
import {
  createModelFactory,
  defaultModelOf,
  type FetchFunction,
  isEnabled,
  keyVariable,
  modelVariable,
  parseModelChoice,
  type Slot,
} from './providers.ts';
import { gatewaySettings, type TenantPolicy, tenantPolicy } from './settings.ts';
import { memoryBuckets, redisBuckets, type TokenBuckets } from './token-bucket.ts';
import type {
  Attempt,
  BreakerState,
  CallPolicy,
  FallbackReason,
  Gateway,
  GatewayRequest,
  GatewayResult,
  LlmProvider,
  ProviderName,
  ProviderStatus,
  SkipReason,
  TokenUsage,
} from './types.ts';

/** Vendors as operators know them (log lines), by provider. */
const VENDOR_NAMES: Record<ProviderName, string> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  google: 'Google',
  xai: 'xAI',
  ollama: 'Ollama',
  'openai-compatible': 'OpenAI-compatible',
  local: 'local',
};

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

/** A refused key is tried again after this long, in case it was fixed at the provider's side. */
const MISCONFIGURED_RECHECK_MS = 5 * 60_000;
/** Tenant settings are re-read at most this often. */
const TENANT_CACHE_MS = 5_000;
/** Prices edited by `omni models set-price` in another process are seen within this. */
const PRICE_REFRESH_MS = 60_000;
const ZERO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

interface SlotState {
  slot: Slot;
  breaker: Breaker;
  misconfigured?: { reason: string; at: number };
  coolingUntil?: number;
  lastError?: { kind: string; message: string; at: number };
}

export function createGateway(deps: GatewayDeps, options: GatewayOptions = {}): Gateway {
  const now = deps.now ?? Date.now;
  const settings = gatewaySettings(deps.config, options.breaker);
  const metrics = gatewayMetrics(deps.registry);
  const modelFor = createModelFactory(deps.fetch);
  const local = memoryBuckets(settings.bucket, now);
  const buckets: TokenBuckets = deps.redis
    ? redisBuckets(deps.redis, settings.bucket, local)
    : local;
  const states = new Map<string, SlotState>();
  const tenants = new Map<string, { at: number; policy: TenantPolicy }>();
  const budgetWarned = new Map<string, string>();
  let prices: { at: number; byModel: Map<string, ModelPrice> } | undefined;
  let pricesLoading: Promise<void> | undefined;

  if (settings.unknownNames.length > 0) {
    deps.logger.warn(
      { names: settings.unknownNames },
      'PROVIDER_PRIORITY_ORDER / LLM_PROVIDER name unknown LLM providers; they are ignored',
    );
  }

  async function priceOf(provider: string, model: string): Promise<ModelPrice | undefined> {
    if (!prices || now() - prices.at > PRICE_REFRESH_MS) {
      pricesLoading ??= (async () => {
        if (!prices) await seedPrices(deps.db);
        const rows = await listPrices(deps.db);
        prices = { at: now(), byModel: new Map(rows.map((p) => [`${p.provider}|${p.model}`, p])) };
      })()
        .catch((error) => deps.logger.warn({ err: error }, 'could not read the LLM price table'))
        .finally(() => {
          pricesLoading = undefined;
        });
      await pricesLoading;
    }
    return prices?.byModel.get(`${provider}|${model}`);
  }

  async function policyOf(tenantId: string | undefined): Promise<TenantPolicy | undefined> {
    if (!tenantId) return undefined;
    const cached = tenants.get(tenantId);
    if (cached && now() - cached.at < TENANT_CACHE_MS) return cached.policy;
    const [row] = await deps.db
      .select({ slug: schema.tenants.slug, settings: schema.tenants.settings })
      .from(schema.tenants)
      .where(eq(schema.tenants.id, tenantId))
      .catch((error) => {
        // Without its settings the tenant still gets an answer, under the instance's policy.
        deps.logger.warn({ err: error, tenant: tenantId }, 'could not read tenant LLM settings');
        return [];
      });
    // A tenant's provider keys are sealed in the row (src/secrets).
    const policy = tenantPolicy(row?.slug ?? tenantId, row && openSecrets(row.settings));
    if (policy.invalid) {
      deps.logger.warn(
        { tenant: tenantId, problem: policy.invalid },
        'tenant LLM settings are invalid; using the defaults',
      );
    }
    tenants.set(tenantId, { at: now(), policy });
    return policy;
  }

  function stateOf(slot: Slot): SlotState {
    const existing = states.get(slot.id);
    const sameCredentials =
      existing?.slot.apiKey === slot.apiKey && existing?.slot.baseUrl === slot.baseUrl;
    if (existing && sameCredentials) {
      existing.slot = slot;
      return existing;
    }
    const fresh: SlotState = { slot, breaker: createBreaker(settings.breaker, now) };
    states.set(slot.id, fresh);
    return fresh;
  }

  /** The slots one call may try, in order: tenant over env, per-call policy over both. */
  function slotsFor(
    tenantId: string | undefined,
    tenant: TenantPolicy | undefined,
    request: GatewayRequest,
    policy: CallPolicy,
  ): Slot[] {
    const pinned = tenant?.pinned ?? settings.pinned;
    let order = pinned ? [pinned] : (tenant?.order ?? settings.order);
    if (policy.providers) order = policy.providers.filter((p) => order.includes(p));
    if (policy.preferredProvider && order.includes(policy.preferredProvider)) {
      order = [policy.preferredProvider, ...order.filter((p) => p !== policy.preferredProvider)];
    }
    const simple = request.purpose === 'simple';
    const choice = parseModelChoice(
      simple
        ? (tenant?.simpleModel ?? settings.simpleModel)
        : (tenant?.defaultModel ?? settings.defaultModel),
    );
    const enabled = order.filter((p) => isEnabled(p, credentialsOf(p, tenant)));
    const firstConfigured = (pinned ? [pinned] : (tenant?.order ?? settings.order)).find((p) =>
      isEnabled(p, credentialsOf(p, tenant)),
    );
    return enabled.map((provider) => {
      const own = tenant?.credentials[provider];
      const credentials = credentialsOf(provider, tenant);
      const chosen =
        choice &&
        (choice.provider === provider || (!choice.provider && provider === firstConfigured))
          ? choice.model
          : undefined;
      return {
        id: own?.apiKey || own?.baseUrl ? `${provider}@tenant:${tenantId}` : provider,
        provider,
        model: chosen ?? credentials.model ?? defaultModelOf(provider) ?? '',
        apiKey: credentials.apiKey,
        baseUrl: credentials.baseUrl,
        source: own?.apiKey || own?.baseUrl ? `tenant:${tenantId}` : 'env',
      };
    });
  }

  function credentialsOf(provider: LlmProvider, tenant: TenantPolicy | undefined) {
    return { ...settings.credentials[provider], ...definedOnly(tenant?.credentials[provider]) };
  }

  /** Why a slot is passed over without a request, or undefined when it may be tried. */
  async function skipReason(
    state: SlotState,
    promptChars: number,
    maxTokens: number,
    maxCost: number | undefined,
  ): Promise<{ reason: SkipReason; detail: string } | undefined> {
    const { slot } = state;
    if (!slot.model) {
      return {
        reason: 'misconfigured',
        detail: `no model: set ${modelVariable(slot.provider)} or DEFAULT_MODEL`,
      };
    }
    if (state.misconfigured && now() - state.misconfigured.at < MISCONFIGURED_RECHECK_MS) {
      return { reason: 'misconfigured', detail: state.misconfigured.reason };
    }
    if (state.coolingUntil && now() < state.coolingUntil) {
      return { reason: 'cooling_down', detail: `retry-after until ${iso(state.coolingUntil)}` };
    }
    if (state.breaker.state() === 'open') {
      return { reason: 'circuit_open', detail: 'circuit breaker open' };
    }
    if (maxCost !== undefined) {
      const price = await priceOf(slot.provider, slot.model);
      const estimate = price ? estimateCost(price, promptChars, maxTokens) : 0;
      if (estimate > maxCost) {
        return {
          reason: 'over_cost',
          detail: `estimated $${estimate.toFixed(6)} exceeds the cap of $${maxCost}`,
        };
      }
    }
    return undefined;
  }

  async function record(
    request: GatewayRequest,
    phase: string,
    attempt: Attempt,
    tenant: TenantPolicy | undefined,
  ): Promise<void> {
    if (attempt.outcome !== 'skipped') {
      const labels = { provider: attempt.provider, model: attempt.model };
      // Seed runbooks grep "LLM latency" and "OpenAI.*duration": the vendor comes before the duration.
      deps.logger.info(
        {
          tenant_id: request.tenantId,
          conversation_id: request.conversationId,
          turn_id: request.turnId,
          vendor: VENDOR_NAMES[attempt.provider],
          model: attempt.model,
          phase,
          outcome: attempt.outcome,
          duration_ms: attempt.latencyMs,
        },
        'LLM latency',
      );
      metrics.requests.inc({ ...labels, phase });
      metrics.latency.observe(labels, attempt.latencyMs);
      if (attempt.outcome === 'error') metrics.errors.inc({ ...labels, kind: attempt.errorKind });
      if (attempt.usage) {
        metrics.tokens.inc({ ...labels, type: 'input' }, attempt.usage.inputTokens);
        metrics.tokens.inc({ ...labels, type: 'output' }, attempt.usage.outputTokens);
        metrics.tokens.inc({ ...labels, type: 'cached_input' }, attempt.usage.cachedInputTokens);
      }
      if (attempt.costUsd !== undefined) {
        metrics.cost.inc({ ...labels, tenant: tenant?.slug ?? 'none' }, attempt.costUsd);
      }
    }
    try {
      await deps.db.insert(schema.llmAttempts).values({
        tenantId: request.tenantId ?? null,
        conversationId: request.conversationId ?? null,
        turnId: request.turnId ?? null,
        provider: attempt.provider,
        model: attempt.model,
        phase,
        outcome: attempt.outcome,
        errorKind: attempt.errorKind ?? null,
        error: attempt.error ?? null,
        latencyMs: attempt.latencyMs,
        inputTokens: attempt.usage?.inputTokens ?? null,
        outputTokens: attempt.usage?.outputTokens ?? null,
        costUsd: attempt.costUsd === undefined ? null : attempt.costUsd.toFixed(8),
      });
    } catch (error) {
      // The answer matters more than its bookkeeping; the metrics above still counted it.
      deps.logger.warn(
        { err: error, provider: attempt.provider },
        'could not record an LLM attempt',
      );
    }
  }

  async function checkBudget(tenantId: string, tenant: TenantPolicy): Promise<void> {
    const budget = tenant.dailyBudgetUsd ?? settings.dailyBudgetUsd;
    if (budget === undefined) return;
    const [row] = await deps.db
      .select({ spent: sql<string | null>`sum(${schema.llmAttempts.costUsd})` })
      .from(schema.llmAttempts)
      .where(
        and(
          eq(schema.llmAttempts.tenantId, tenantId),
          gte(schema.llmAttempts.createdAt, sql`date_trunc('day', now())`),
        ),
      );
    const spent = Number(row?.spent ?? 0);
    if (spent <= budget) return;
    metrics.budgetExceeded.inc({ tenant: tenant.slug ?? tenantId });
    const day = new Date(now()).toISOString().slice(0, 10);
    if (budgetWarned.get(tenantId) === day) return;
    budgetWarned.set(tenantId, day);
    deps.logger.warn(
      { tenant: tenant.slug, spent_usd: spent, budget_usd: budget },
      'tenant is over its daily LLM budget (LLM_DAILY_BUDGET_USD / settings.llm.daily_budget_usd)',
    );
  }

  /** The last word: the offline responder, with the human offer when models were meant to answer. */
  async function fallback(
    request: GatewayRequest,
    tenant: TenantPolicy | undefined,
    reason: FallbackReason,
    attempts: Attempt[],
    started: number,
  ): Promise<GatewayResult> {
    metrics.fallbacks.inc({ reason });
    if (reason !== 'no_provider' && reason !== 'fallback_mode') {
      deps.logger.warn(
        {
          reason,
          tenant: tenant?.slug,
          conversation: request.conversationId,
          attempts: attempts.map((a) => `${a.provider}:${a.outcome}:${a.errorKind ?? '-'}`),
        },
        'no LLM provider answered; the canned response answers and offers a human',
      );
    }
    const answer = await answerOffline({
      text: lastUserText(request),
      language: request.language ?? tenant?.language ?? 'pt-BR',
      tenantId: request.tenantId,
      canned: tenant?.canned,
      offerHuman: reason !== 'no_provider',
      knowledge: deps.knowledge,
    });
    request.onText?.(answer.text);
    return {
      text: answer.text,
      toolCalls: [],
      provider: 'local',
      model: 'offline',
      usage: ZERO_USAGE,
      costUsd: 0,
      latencyMs: now() - started,
      attempts,
      fallback: reason,
      intent: answer.intent,
    };
  }

  async function generate(
    request: GatewayRequest,
    policy: CallPolicy = {},
  ): Promise<GatewayResult> {
    const started = now();
    const phase = request.phase ?? request.purpose ?? 'reply';
    const deadline = started + (policy.maxLatencyMs ?? settings.maxLatencyMs);
    const tenant = await policyOf(request.tenantId);
    const attempts: Attempt[] = [];
    // `omni fallback on` wins over everything; `off` replaces FALLBACK_MODE, not a tenant's choice.
    const switched = await fallbackSwitch(deps.db);
    if (switched === true || (tenant?.fallbackMode ?? switched ?? settings.fallbackMode)) {
      return fallback(request, tenant, 'fallback_mode', attempts, started);
    }
    const slots = slotsFor(request.tenantId, tenant, request, policy);
    if (slots.length === 0) return fallback(request, tenant, 'no_provider', attempts, started);

    const maxTokens = request.maxTokens ?? settings.maxTokens;
    const maxCost = policy.maxCost ?? tenant?.maxCost ?? settings.maxCost;
    const promptChars = promptLength(request);
    let outOfTime = false;

    for (const [index, slot] of slots.entries()) {
      if (now() >= deadline) {
        outOfTime = true;
        break;
      }
      const state = stateOf(slot);
      const skip = async (reason: SkipReason, detail: string) => {
        const attempt: Attempt = {
          provider: slot.provider,
          model: slot.model,
          outcome: 'skipped',
          errorKind: reason,
          error: detail,
          latencyMs: 0,
        };
        attempts.push(attempt);
        await record(request, phase, attempt, tenant);
      };
      const refused = await skipReason(state, promptChars, maxTokens, maxCost);
      if (refused) {
        await skip(refused.reason, refused.detail);
        continue;
      }
      // Policy: an empty bucket sends the call to the next provider; the last one waits for a
      // token if it comes within the latency budget.
      const isLast = index === slots.length - 1;
      let token = await buckets.take(slot.id);
      while (!token.ok && isLast && now() + token.waitMs < deadline) {
        await sleep(token.waitMs, undefined, { signal: request.signal });
        token = await buckets.take(slot.id);
      }
      if (!token.ok) {
        await skip(
          'rate_limited_locally',
          `RATE_LIMIT_RPS=${settings.bucket.ratePerSecond} reached`,
        );
        continue;
      }
      if (!state.breaker.tryPass()) {
        await skip('circuit_open', 'circuit breaker half-open, probe in flight');
        continue;
      }

      const attemptStarted = now();
      // Not `AbortSignal.timeout`: joined by `AbortSignal.any`, it can be garbage-collected before
      // it fires (nodejs/node#57736), and a provider that never answers would hold the turn.
      const timeout = awakeTimeout(
        Math.max(1, Math.min(settings.attemptTimeoutMs, deadline - attemptStarted)),
      );
      const signal = request.signal
        ? AbortSignal.any([request.signal, timeout.signal])
        : timeout.signal;
      try {
        const output = await callModel(
          await modelFor(slot, slot.model),
          request,
          maxTokens,
          signal,
        );
        const price = await priceOf(slot.provider, slot.model);
        const costUsd = price ? costOf(price, output.usage) : undefined;
        const attempt: Attempt = {
          provider: slot.provider,
          model: slot.model,
          outcome: 'ok',
          latencyMs: now() - attemptStarted,
          usage: output.usage,
          costUsd,
        };
        attempts.push(attempt);
        state.breaker.success();
        state.misconfigured = undefined;
        metrics.breaker.set({ provider: slot.id }, BREAKER_GAUGE.closed);
        await record(request, phase, attempt, tenant);
        if (request.tenantId && tenant && costUsd) await checkBudget(request.tenantId, tenant);
        return {
          text: output.text,
          toolCalls: output.toolCalls,
          provider: slot.provider,
          model: slot.model,
          usage: output.usage,
          costUsd: costUsd ?? 0,
          latencyMs: now() - started,
          attempts,
        };
      } catch (thrown) {
        const interrupted = (thrown as Error)?.name === 'StreamInterrupted';
        const error = toProviderError(
          interrupted ? (thrown as Error).cause : thrown,
          slot.provider,
          {
            timedOut: timeout.signal.aborted,
            cancelled: Boolean(request.signal?.aborted),
          },
        );
        const attempt: Attempt = {
          provider: slot.provider,
          model: slot.model,
          outcome: 'error',
          errorKind: error.kind,
          error: error.message.slice(0, 500),
          latencyMs: now() - attemptStarted,
        };
        attempts.push(attempt);
        await record(request, phase, attempt, tenant);
        if (error.kind === 'cancelled') throw error;
        noteFailure(state, error);
        if (interrupted) return fallback(request, tenant, 'stream_interrupted', attempts, started);
      } finally {
        timeout.clear();
      }
    }
    const reason: FallbackReason = outOfTime || now() >= deadline ? 'latency_budget' : 'all_failed';
    return fallback(request, tenant, reason, attempts, started);
  }

  function noteFailure(state: SlotState, error: ProviderError): void {
    const { slot } = state;
    state.lastError = { kind: error.kind, message: error.message, at: now() };
    if (countsAgainstProvider(error.kind)) state.breaker.failure();
    if (error.kind === 'rate_limited' && error.retryAfterMs) {
      state.coolingUntil = now() + error.retryAfterMs;
    }
    if (error.kind === 'misconfigured') {
      const variable =
        slot.source === 'env' ? keyVariable(slot.provider) : `settings.providers.${slot.provider}`;
      const reason = `${slot.provider} refused the request (HTTP ${error.status}): check ${variable} and ${modelVariable(slot.provider)}`;
      state.misconfigured = { reason, at: now() };
      deps.logger.error(
        { provider: slot.provider, model: slot.model, status: error.status, variable },
        reason,
      );
    } else {
      deps.logger.warn(
        { provider: slot.provider, model: slot.model, kind: error.kind, status: error.status },
        `LLM attempt failed (${error.kind}); trying the next provider`,
      );
    }
    metrics.breaker.set({ provider: slot.id }, BREAKER_GAUGE[state.breaker.state()]);
  }

  function status() {
    const providers: ProviderStatus[] = [];
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
    const envSlots = slotsFor(undefined, undefined, { messages: [] }, {});
    for (const provider of settings.order) {
      const slot = envSlots.find((s) => s.provider === provider);
      providers.push(
        slot
          ? describe(slot, true)
          : describe(
              { id: provider, provider, model: defaultModelOf(provider) ?? '', source: 'env' },
              false,
            ),
      );
    }
    for (const state of states.values()) {
      if (state.slot.source !== 'env') providers.push(describe(state.slot, true));
    }
    return {
      fallbackMode: settings.fallbackMode,
      order: settings.pinned ? [settings.pinned] : settings.order,
      providers,
    };
  }

  return {
    generate,
    withModel: (policy, fn) =>
      fn({ generate: (request, extra) => generate(request, { ...policy, ...extra }) }),
    status,
    fallbackMode: async () => (await fallbackSwitch(deps.db)) ?? settings.fallbackMode,
  };
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function promptLength(request: GatewayRequest): number {
  return (request.system?.length ?? 0) + JSON.stringify(request.messages).length;
}

/** The newest user text, which is what canned responses classify. */
function lastUserText(request: GatewayRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i -= 1) {
    const message = request.messages[i];
    if (message?.role !== 'user') continue;
    if (typeof message.content === 'string') return message.content;
    return message.content
      .map((part) => (part.type === 'text' ? part.text : ''))
      .join(' ')
      .trim();
  }
  return '';
}
