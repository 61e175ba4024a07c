/**
 * The agents (SPEC §7.1–§7.4): the pipeline's responder. A turn passes the input guardrails, is
 * routed (intent + confidence, structured output from `SIMPLE_QUERY_MODEL`) to an agent —
 * `support` (knowledge base, citations), `sales` (lead qualification) or a tenant's own — which
 * calls tools (`kb_search`, `create_or_update_lead`, `handoff_to_human`, the tenant's HTTP tools),
 * then the output guardrails; escalation hands the conversation to a human.
 */
export { type AgentDefinition, agentsOf, BUILTIN_AGENTS } from './catalog.ts';
export { MAX_GUARDRAIL_HITS } from './escalation.ts';
export {
  evaluateGuardrails,
  type GuardrailEvaluation,
  type LayerFigures,
  loadGuardrailSet,
  type Rate,
} from './guardrails/evaluate.ts';
export { detectInjection, type InjectionKind, scoreInjection } from './guardrails/injection.ts';
export { checkInput } from './guardrails/input.ts';
export { createInjectionJudge, type InjectionJudge } from './guardrails/judge.ts';
export { checkOutput } from './guardrails/output.ts';
export { LEAD_FIELDS, scoreLead, upsertLead } from './leads.ts';
export { AGENT_MESSAGES, type AgentMessages, agentMessagesFor } from './messages.ts';
export { type AgentMetrics, agentMetrics } from './metrics.ts';
export { activePrompt, BUILTIN_PROMPTS, savePromptVersion } from './prompts.ts';
export { type AgentDeps, createAgentResponder } from './responder.ts';
export {
  type CachedReply,
  normaliseQuestion,
  type ResponseCache,
  type ResponseCacheStore,
  redisCacheStore,
  tableCacheStore,
} from './response-cache.ts';
export { SUMMARY_INSTRUCTIONS } from './summary.ts';
