/**
 * The `llm` health component (SPEC §8): each provider's configured/healthy/breaker state.
 * Non-critical: the offline responder still answers, so a sick provider only degrades Omni.
 */
import type { HealthCheck } from '../observability/index.ts';
import type { Gateway } from './types.ts';

export function llmCheck(gateway: Gateway): HealthCheck {
  return {
    name: 'llm',
    critical: false,
    check: async (): ReturnType<HealthCheck['check']> => {
      const status = gateway.status();
      const sick = status.providers.filter((p) => p.configured && !p.healthy);
      return {
        status: sick.length === 0 ? 'up' : 'down',
        ...(sick.length > 0
          ? {
              error: sick
                .map((p) => `${p.provider}: ${p.misconfigured ?? `circuit ${p.breaker}`}`)
                .join('; '),
            }
          : {}),
        fallback_mode: status.fallbackMode,
        order: status.order,
        providers: Object.fromEntries(
          status.providers.map((p) => [
            p.source === 'env' ? p.provider : `${p.provider}@${p.source}`,
            p,
          ]),
        ),
      };
    },
  };
}
