/**
 * The slot's circuit breaker: open → skipped; half-open → one probe passes. Failures that say
 * something about the provider's health count; a skip by a later layer gives the probe back.
 */
import type { LanguageModelV3Middleware } from '@ai-sdk/provider';
import { countsAgainstProvider, ProviderError } from '../errors.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { SlotState } from '../slot-state.ts';
import type { BreakerState } from '../types.ts';
import { layer } from './layer.ts';
import { SlotSkipped } from './signals.ts';

export const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export function circuitBreaker(
  state: SlotState,
  metrics: GatewayMetrics,
): LanguageModelV3Middleware {
  const { breaker, slot } = state;
  const gauge = () => metrics.breaker.set({ provider: slot.id }, BREAKER_GAUGE[breaker.state()]);
  return layer(() => {
    if (breaker.state() === 'open') throw new SlotSkipped('circuit_open', 'circuit breaker open');
    if (!breaker.tryPass()) {
      throw new SlotSkipped('circuit_open', 'circuit breaker half-open, probe in flight');
    }
    return {
      succeeded: () => {
        breaker.success();
        gauge();
        return undefined;
      },
      failed: (error) => {
        if (error instanceof SlotSkipped) breaker.release();
        else if (ProviderError.is(error) && countsAgainstProvider(error.kind)) breaker.failure();
        gauge();
        return error;
      },
    };
  });
}
