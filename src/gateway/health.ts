/**
 * The `llm` health component (SPEC §8): each provider's configured/healthy/breaker state, and
 * whether fallback mode is on (the switch `omni fallback on` included). Non-critical: the offline
 * responder still answers, so a sick provider only degrades Omni. With no provider configured at
 * all the component is up (the offline responder is a supported way to run) but its word is
 * `offline`, with the reason, rather than `connected`.
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
      const offline = !status.providers.some((p) => p.configured);
      return {
        status: sick.length === 0 ? 'up' : 'down',
        ...(offline
          ? {
              word: 'offline',
              reason:
                'no LLM provider is configured (set OPENAI_API_KEY, ANTHROPIC_API_KEY or another provider key); the offline responder answers from the knowledge base',
            }
          : {}),
        ...(sick.length > 0
          ? {
              error: sick
                .map((p) => `${p.provider}: ${p.misconfigured ?? `circuit ${p.breaker}`}`)
                .join('; '),
            }
          : {}),
        fallback_mode: await gateway.fallbackMode(),
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
