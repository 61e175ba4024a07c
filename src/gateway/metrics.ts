/**
 * The gateway's metrics, under the names the runbooks grep for (SPEC §8): `ai_requests_total`,
 * `ai_latency_ms` (seed 000), `llm_tokens_by_model`, `cost_usd_total` (seed 004).
 */
import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';

export interface GatewayMetrics {
  requests: Counter<'provider' | 'model' | 'phase'>;
  errors: Counter<'provider' | 'model' | 'kind'>;
  latency: Histogram<'provider' | 'model'>;
  tokens: Counter<'provider' | 'model' | 'type'>;
  cost: Counter<'tenant' | 'provider' | 'model'>;
  fallbacks: Counter<'reason'>;
  breaker: Gauge<'provider'>;
  budgetExceeded: Counter<'tenant'>;
}

/** Reuses metrics already on the registry, so two gateways in one process (tests) share them. */
function once<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function gatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  return {
    requests: once(
      registry,
      'ai_requests_total',
      () =>
        new Counter({
          name: 'ai_requests_total',
          help: 'Requests sent to LLM providers, by provider, model and phase (reply, classify, …).',
          labelNames: ['provider', 'model', 'phase'],
          registers,
        }),
    ),
    errors: once(
      registry,
      'ai_errors_total',
      () =>
        new Counter({
          name: 'ai_errors_total',
          help: 'Failed LLM requests, by provider, model and error kind (rate_limited, server, timeout, …).',
          labelNames: ['provider', 'model', 'kind'],
          registers,
        }),
    ),
    latency: once(
      registry,
      'ai_latency_ms',
      () =>
        new Histogram({
          name: 'ai_latency_ms',
          help: 'Latency of LLM requests in milliseconds, failures included.',
          labelNames: ['provider', 'model'],
          buckets: [100, 250, 500, 1000, 2000, 4000, 8000, 15000, 30000, 60000],
          registers,
        }),
    ),
    tokens: once(
      registry,
      'llm_tokens_by_model',
      () =>
        new Counter({
          name: 'llm_tokens_by_model',
          help: 'Tokens reported by LLM providers, by provider, model and type (input, output, cached_input).',
          labelNames: ['provider', 'model', 'type'],
          registers,
        }),
    ),
    cost: once(
      registry,
      'cost_usd_total',
      () =>
        new Counter({
          name: 'cost_usd_total',
          help: 'LLM spend in USD (reported usage × the ai_models price table), by tenant, provider and model.',
          labelNames: ['tenant', 'provider', 'model'],
          registers,
        }),
    ),
    fallbacks: once(
      registry,
      'llm_fallback_responses_total',
      () =>
        new Counter({
          name: 'llm_fallback_responses_total',
          help: 'Answers given by canned responses instead of a model, by reason.',
          labelNames: ['reason'],
          registers,
        }),
    ),
    breaker: once(
      registry,
      'llm_circuit_state',
      () =>
        new Gauge({
          name: 'llm_circuit_state',
          help: 'Circuit breaker per LLM provider: 0 closed, 1 half-open, 2 open.',
          labelNames: ['provider'],
          registers,
        }),
    ),
    budgetExceeded: once(
      registry,
      'llm_daily_budget_exceeded_total',
      () =>
        new Counter({
          name: 'llm_daily_budget_exceeded_total',
          help: 'LLM calls made after the tenant had spent its daily budget (LLM_DAILY_BUDGET_USD).',
          labelNames: ['tenant'],
          registers,
        }),
    ),
  };
}
