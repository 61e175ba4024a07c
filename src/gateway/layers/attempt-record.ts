/**
 * Outermost layer around one slot: every attempt and skip becomes an `Attempt` — a row in
 * `llm_attempts`, the LLM metrics, and the "LLM latency" log line the runbooks grep — and the
 * cascade learns of it through the result's metadata or an `AttemptFailed`.
 */
import type { LanguageModelV3Middleware } from '@ai-sdk/provider';
import type { Logger } from '../../observability/index.ts';
import { type Db, schema } from '../../storage/index.ts';
import { callOptionsOf, type SlotCallOptions } from '../call-options.ts';
import { toProviderError } from '../errors.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Slot } from '../providers.ts';
import type { Attempt, ProviderName } from '../types.ts';
import { toTokenUsage } from '../usage.ts';
import { layer } from './layer.ts';
import { AttemptFailed, SlotSkipped } from './signals.ts';

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

export interface AttemptRecordDeps {
  db: Db;
  logger: Logger;
  metrics: GatewayMetrics;
  now: () => number;
}

export function attemptRecord(slot: Slot, deps: AttemptRecordDeps): LanguageModelV3Middleware {
  return layer((params) => {
    const call = callOptionsOf<SlotCallOptions>(params);
    const started = deps.now();
    const base = { provider: slot.provider, model: slot.model };
    return {
      succeeded: async (usage, metadata) => {
        const attempt: Attempt = {
          ...base,
          outcome: 'ok',
          latencyMs: deps.now() - started,
          usage: toTokenUsage(usage),
          costUsd: metadata.costUsd,
        };
        await recordAttempt(deps, call, attempt);
        return { ...base, attempt };
      },
      failed: async (error) => {
        let attempt: Attempt;
        if (error instanceof SlotSkipped) {
          attempt = {
            ...base,
            outcome: 'skipped',
            errorKind: error.reason,
            error: error.message,
            latencyMs: 0,
          };
        } else {
          const classified = toProviderError(error, slot.provider, {
            timedOut: false,
            cancelled: Boolean(params.abortSignal?.aborted),
          });
          attempt = {
            ...base,
            outcome: 'error',
            errorKind: classified.kind,
            error: classified.message.slice(0, 500),
            latencyMs: deps.now() - started,
          };
          error = classified;
        }
        await recordAttempt(deps, call, attempt);
        return new AttemptFailed(attempt, error);
      },
    };
  });
}

async function recordAttempt(
  deps: AttemptRecordDeps,
  call: Partial<SlotCallOptions>,
  attempt: Attempt,
): Promise<void> {
  const { metrics } = deps;
  const phase = call.phase ?? 'reply';
  if (attempt.outcome !== 'skipped') {
    const labels = { provider: attempt.provider, model: attempt.model };
    // Seed runbooks grep "LLM latency" and "OpenAI.*duration": the vendor comes before the duration.
    deps.logger.info(
      {
        tenant_id: call.tenantId,
        conversation_id: call.conversationId,
        turn_id: call.turnId,
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
      metrics.cost.inc({ ...labels, tenant: call.tenantSlug ?? 'none' }, attempt.costUsd);
    }
  }
  try {
    await deps.db.insert(schema.llmAttempts).values({
      tenantId: call.tenantId ?? null,
      conversationId: call.conversationId ?? null,
      turnId: call.turnId ?? null,
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
    deps.logger.warn({ err: error, provider: attempt.provider }, 'could not record an LLM attempt');
  }
}
