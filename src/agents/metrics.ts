/**
 * The agents' Prometheus metrics, under the names the shipped alerts and dashboards read
 * (deploy/prometheus/alerts.yml, deploy/grafana/*.json) and seed 004 greps.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface AgentMetrics {
  requests: Counter;
  errors: Counter;
  /** Seconds per turn. */
  responseTime: Histogram;
  active: Gauge;
  intents: Counter<'intent' | 'confident'>;
  escalations: Counter<'reason'>;
  guardrailBlocks: Counter<'type'>;
  leads: Counter<'stage'>;
  /** The prompt-injection judge's verdicts on borderline messages. */
  injectionJudge: Counter<'verdict'>;
  /** Response cache lookups: hit, miss, or bypass (the turn's context matters). */
  cache: Counter<'result'>;
}

const registered = new WeakMap<Registry, AgentMetrics>();

/** One set per registry: the runtime and any responder built on it share the series. */
export function agentMetrics(registry: Registry): AgentMetrics {
  const existing = registered.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: AgentMetrics = {
    requests: new Counter({
      name: 'agent_requests_total',
      help: 'Turns the agents answered or tried to answer.',
      registers,
    }),
    errors: new Counter({
      name: 'agent_errors_total',
      help: 'Turns the agents failed to answer (an error reached the pipeline).',
      registers,
    }),
    responseTime: new Histogram({
      name: 'agent_response_time',
      help: 'Seconds the agents took per turn, guardrails, routing, tools and model calls included.',
      buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30],
      registers,
    }),
    active: new Gauge({
      name: 'agent_active_requests',
      help: 'Turns the agents are working on now.',
      registers,
    }),
    intents: new Counter({
      name: 'agent_intents_total',
      help: 'Routed turns by intent, and whether the router was at least ESCALATION_MIN_CONFIDENCE sure.',
      labelNames: ['intent', 'confident'] as const,
      registers,
    }),
    escalations: new Counter({
      name: 'escalations_total',
      help: 'Conversations the agents sent to a human, by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    guardrailBlocks: new Counter({
      name: 'guardrail_blocks_total',
      help: 'Messages or replies a guardrail blocked or changed, by type.',
      labelNames: ['type'] as const,
      registers,
    }),
    leads: new Counter({
      name: 'leads_total',
      help: 'Leads created or moved to a stage, by the stage entered.',
      labelNames: ['stage'] as const,
      registers,
    }),
    injectionJudge: new Counter({
      name: 'injection_judge_verdicts_total',
      help: 'Borderline messages the prompt-injection judge classified: attack, clean, or unavailable (no provider, too slow, no verdict).',
      labelNames: ['verdict'] as const,
      registers,
    }),
    cache: new Counter({
      name: 'response_cache_requests_total',
      help: 'Turns that looked in the response cache (hit, miss) or skipped it because their context matters (bypass); hit rate = hit / (hit + miss).',
      labelNames: ['result'] as const,
      registers,
    }),
  };
  registered.set(registry, metrics);
  return metrics;
}
