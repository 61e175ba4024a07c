/**
 * The slot's health besides its breaker: a slot with no model or a refused key (401/403/404) is
 * skipped until MISCONFIGURED_RECHECK_MS passes, one that answered 429 until its retry-after
 * passes; every failure is remembered for `status()` and logged with the setting to fix.
 */
import type { LanguageModelV3Middleware } from '@ai-sdk/provider';
import type { Logger } from '../../observability/index.ts';
import { ProviderError } from '../errors.ts';
import { keyVariable, modelVariable } from '../providers.ts';
import { MISCONFIGURED_RECHECK_MS, type SlotState } from '../slot-state.ts';
import { layer } from './layer.ts';
import { SlotSkipped } from './signals.ts';

export function slotHealth(
  state: SlotState,
  logger: Logger,
  now: () => number,
): LanguageModelV3Middleware {
  const { slot } = state;
  const noteFailure = (error: ProviderError) => {
    state.lastError = { kind: error.kind, message: error.message, at: now() };
    if (error.kind === 'rate_limited' && error.retryAfterMs) {
      state.coolingUntil = now() + error.retryAfterMs;
    }
    if (error.kind === 'misconfigured') {
      const variable =
        slot.source === 'env' ? keyVariable(slot.provider) : `settings.providers.${slot.provider}`;
      const reason = `${slot.provider} refused the request (HTTP ${error.status}): check ${variable} and ${modelVariable(slot.provider)}`;
      state.misconfigured = { reason, at: now() };
      logger.error(
        { provider: slot.provider, model: slot.model, status: error.status, variable },
        reason,
      );
    } else {
      logger.warn(
        { provider: slot.provider, model: slot.model, kind: error.kind, status: error.status },
        `LLM attempt failed (${error.kind}); trying the next provider`,
      );
    }
  };
  return layer(() => {
    if (!slot.model) {
      throw new SlotSkipped(
        'misconfigured',
        `no model: set ${modelVariable(slot.provider)} or DEFAULT_MODEL`,
      );
    }
    if (state.misconfigured && now() - state.misconfigured.at < MISCONFIGURED_RECHECK_MS) {
      throw new SlotSkipped('misconfigured', state.misconfigured.reason);
    }
    if (state.coolingUntil && now() < state.coolingUntil) {
      throw new SlotSkipped(
        'cooling_down',
        `retry-after until ${new Date(state.coolingUntil).toISOString()}`,
      );
    }
    return {
      succeeded: () => {
        state.misconfigured = undefined;
        return undefined;
      },
      failed: (error) => {
        if (ProviderError.is(error) && error.kind !== 'cancelled') noteFailure(error);
        return error;
      },
    };
  });
}
