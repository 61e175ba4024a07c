/**
 * The agents as the pipeline's responder (SPEC §7.1): input guardrails → context → router →
 * the chosen agent with its tools (a few model/tool round trips) → output guardrails → reply, and
 * escalation to a human when the contact asks, the router stays unsure, guardrails keep firing or
 * every provider fails. Every model call goes through the gateway; the agent's tool loop is the
 * AI SDK's, on the gateway's model (tool-loop.ts).
 */
import { and, eq, like, sql } from 'drizzle-orm';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.ts';
import type { Gateway, GatewayResult } from '../gateway/index.ts';
import { release, requestHandoff } from '../handoff/index.ts';
import type { Logger } from '../observability/index.ts';
import { maskPii } from '../observability/index.ts';
import {
  ModelsUnavailable,
  type Responder,
  type TurnReply,
  type TurnRequest,
} from '../pipeline/index.ts';
import { type Db, schema } from '../storage/index.ts';
import { agentsOf } from './catalog.ts';
import { conversationMessages, systemPrompt, windowStart, withSummary } from './context.ts';
import {
  type EscalationReason,
  type EscalationThresholds,
  guardrailStreak,
  lowConfidenceStreak,
} from './escalation.ts';
import { checkInput, injectionBlock } from './guardrails/input.ts';
import { createInjectionJudge, type InjectionJudge } from './guardrails/judge.ts';
import { checkOutput } from './guardrails/output.ts';
import { contactTextForModel } from './guardrails/untrusted.ts';
import { httpToolsOf } from './http-tools.ts';
import { agentMessagesFor } from './messages.ts';
import { type AgentMetrics, agentMetrics } from './metrics.ts';
import { activePrompt, BUILTIN_PROMPTS } from './prompts.ts';
import { cacheableQuestion, type ResponseCache, responseCacheKey } from './response-cache.ts';
import { routeTurn } from './router.ts';
import { rollingSummary } from './summary.ts';
import type { ConversationFacts } from './tool-arguments.ts';
import { runAgentLoop, type StepAnswer } from './tool-loop.ts';
import { refusal, runTool, toolSetFor } from './tools.ts';

/** A model's answer as the turn uses it: the router's or the agent loop's last. */
type Answer = Pick<GatewayResult, 'text' | 'provider' | 'model' | 'fallback'>;
const FAILED: ReadonlySet<string> = new Set(['all_failed', 'latency_budget', 'stream_interrupted']);

export interface AgentDeps {
  db: Db;
  gateway: Pick<Gateway, 'generate' | 'languageModel'>;
  config: Pick<
    Config,
    | 'ESCALATION_MIN_CONFIDENCE'
    | 'ESCALATION_MAX_INTERACTIONS'
    | 'AGENT_MAX_INPUT_CHARS'
    | 'INJECTION_JUDGE_MAX_LATENCY_MS'
  >;
  logger: Logger;
  registry: Registry;
  /** For HTTP tools; default the egress guard's fetch (src/egress). */
  fetch?: typeof fetch;
  /** Answers repeated first questions without a model; none: every turn asks the models. */
  cache?: ResponseCache;
}

interface TenantAgentSettings {
  customInstructions?: string;
  maskPii: boolean;
  thresholds: EscalationThresholds;
  /** `escalation.on_provider_failure`: call a person when every model fails (default: wait). */
  escalateOnProviderFailure: boolean;
  /** `outage_message`: the tenant's own holding message for a model outage. */
  outageMessage?: string;
}

interface Usage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export function createAgentResponder(deps: AgentDeps): Responder {
  const metrics = agentMetrics(deps.registry);
  const judge = createInjectionJudge({
    gateway: deps.gateway,
    logger: deps.logger.child({ component: 'AgentPipeline' }),
    metrics,
    maxLatencyMs: deps.config.INJECTION_JUDGE_MAX_LATENCY_MS,
  });
  return async (request) => {
    metrics.requests.inc();
    metrics.active.inc();
    const stopTimer = metrics.responseTime.startTimer();
    try {
      return await answerTurn(deps, metrics, judge, request);
    } catch (error) {
      // Waiting out a model outage is not an agent error (the gateway counts the LLM errors).
      if (!request.signal.aborted && !(error instanceof ModelsUnavailable)) metrics.errors.inc();
      throw error;
    } finally {
      metrics.active.dec();
      stopTimer();
    }
  };
}

async function answerTurn(
  deps: AgentDeps,
  metrics: AgentMetrics,
  judge: InjectionJudge,
  request: TurnRequest,
): Promise<TurnReply> {
  const { db } = deps;
  const say = agentMessagesFor(request.language);
  // Seed runbooks grep "AgentPipeline" (every turn line) and "EscalatorAgent" (escalations).
  const log = deps.logger.child({
    component: 'AgentPipeline',
    tenant_id: request.tenantId,
    conversation_id: request.conversationId,
    turn_id: request.turnId,
  });
  const tenant = await tenantSettings(db, request.tenantId, deps.config);
  const contactText = request.messages.map((m) => m.text).join('\n');
  const flags: string[] = [];

  const escalate = async (reason: EscalationReason, detail: string) => {
    metrics.escalations.inc({ reason });
    log.info({ agent: 'EscalatorAgent', reason, detail }, 'escalating the conversation to a human');
    return requestHandoff(db, {
      tenantId: request.tenantId,
      conversationId: request.conversationId,
      reason: `${reason}: ${detail}`.slice(0, 500),
      trigger: 'escalation',
      source: 'agent',
    });
  };

  // 1. Input guardrails.
  const input = checkInput(contactText, {
    maxChars: deps.config.AGENT_MAX_INPUT_CHARS,
    maskPii: tenant.maskPii,
  });
  if (input.pii.length > 0) flags.push('pii_input');
  if (input.suspicion) {
    // Borderline offline: the cheap model decides; without one the message goes through.
    const verdict = await judge(contactText, {
      tenantId: request.tenantId,
      conversationId: request.conversationId,
      turnId: request.turnId,
      signal: request.signal,
    });
    if (verdict?.attack) input.block = injectionBlock(input.suspicion, verdict.reason);
  }
  if (input.block) {
    flags.push(input.block.type);
    metrics.guardrailBlocks.inc({ type: input.block.type });
    log.warn({ guardrail: input.block.type, reason: input.block.reason }, 'input blocked');
    await recordTurn(db, request.turnId, flags);
    const probing =
      input.block.type === 'injection' &&
      (await guardrailStreak(db, {
        conversationId: request.conversationId,
        turnId: request.turnId,
      }));
    const handedOver =
      probing && (await escalate('repeated_guardrail', input.block.reason)).changed;
    const refusal = input.block.type === 'injection' ? say.injectionRefused : say.tooLong;
    return {
      text: handedOver ? say.handoff : refusal,
      handoffNotice: handedOver,
      intent: 'blocked',
      agent: 'guardrail',
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    };
  }

  // 2. Context, and the response cache for a first question that depends on nothing else.
  const agents = await agentsOf(db, request.tenantId);
  const question = deps.cache ? cacheableQuestion(request, input.pii.length > 0) : undefined;
  if (deps.cache && !question) metrics.cache.inc({ result: 'bypass' });
  const cacheKey =
    deps.cache && question
      ? await responseCacheKey(db, {
          tenantId: request.tenantId,
          question,
          language: request.language,
          agents,
          customInstructions: tenant.customInstructions,
        })
      : undefined;
  if (deps.cache && cacheKey) {
    const hit = await deps.cache.store.get(request.tenantId, cacheKey);
    metrics.cache.inc({ result: hit ? 'hit' : 'miss' });
    if (hit) {
      log.info({ agent: hit.agent, intent: hit.intent }, 'answered from the response cache');
      await recordTurn(db, request.turnId, flags);
      return { ...hit, inputTokens: 0, outputTokens: 0, costUsd: 0 };
    }
  }
  const masked = tenant.maskPii ? (text: string) => maskPii(text) : (text: string) => text;
  const conversation = conversationMessages(
    request,
    contactTextForModel(request.channel, input.forModel),
    (text) => contactTextForModel(request.channel, masked(text)),
  );
  const usage: Usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  const add = (call: GatewayResult | StepAnswer) => {
    usage.inputTokens += 'usage' in call ? call.usage.inputTokens : call.inputTokens;
    usage.outputTokens += 'usage' in call ? call.usage.outputTokens : call.outputTokens;
    usage.costUsd += call.costUsd;
  };
  // What the window no longer shows, folded into the conversation's rolling summary.
  const summary = await rollingSummary({ db, gateway: deps.gateway }, request, {
    windowStart: windowStart(request.history, input.forModel),
    mask: masked,
  });
  if (summary.call) add(summary.call);

  // 3. Router.
  const routerPrompt = await activePrompt(
    db,
    request.tenantId,
    'router',
    BUILTIN_PROMPTS.router as string,
  );
  const route = await routeTurn(deps.gateway, {
    tenantId: request.tenantId,
    conversationId: request.conversationId,
    turnId: request.turnId,
    language: request.language,
    system: routerPrompt.body,
    messages: conversation,
    agents,
    signal: request.signal,
  });
  add(route.call);
  const confident =
    route.confidence === undefined || route.confidence >= tenant.thresholds.minConfidence;
  metrics.intents.inc({ intent: route.intent, confident: String(confident) });
  const agent =
    agents.find((a) => a.name === route.agent) ?? (agents[0] as (typeof agents)[number]);

  // 4. The agent, with its tools.
  const prompt = await activePrompt(db, request.tenantId, agent.name, agent.defaultPrompt);
  const system = systemPrompt({
    agentPrompt: prompt.body,
    language: request.language,
    customInstructions: tenant.customInstructions,
    contactName: request.contact.name,
    channel: request.channel,
  });
  const httpTools = agent.tools.some(
    (t) => !['kb_search', 'create_or_update_lead', 'handoff_to_human'].includes(t),
  )
    ? await httpToolsOf(db, request.tenantId)
    : [];
  const tools = toolSetFor(agent.tools, httpTools);
  const facts = await conversationFacts(db, request.conversationId);
  const toolContext = {
    db,
    tenantId: request.tenantId,
    conversationId: request.conversationId,
    contactId: facts.contact_id ?? '',
    facts,
    offered: Object.keys(tools),
    httpTools,
    signal: request.signal,
    fetch: deps.fetch,
  };
  // The router's model call already fell back to the offline responder: its answer stands.
  const loop = route.call.fallback
    ? undefined
    : await runAgentLoop({
        model: deps.gateway.languageModel,
        call: {
          tenantId: request.tenantId,
          conversationId: request.conversationId,
          turnId: request.turnId,
          language: request.language,
          policy: agent.policy,
        },
        system: withSummary(system, summary.text),
        messages: conversation,
        tools,
        run: (name, input) => runTool(toolContext, name, input),
        refuse: async (name, input, problem) =>
          toolContext.offered.includes(name)
            ? refusal(name, `the arguments of ${name} do not fit its schema: ${problem}`)
            : runTool(toolContext, name, input),
        onToolCall: (name, effect) => {
          log.info({ tool: name, effect: effect.kind }, 'agent tool called');
          if (effect.kind === 'refused') {
            metrics.guardrailBlocks.inc({ type: 'tool_refused' });
            log.warn({ tool: name, reason: effect.reason }, 'tool call refused');
          }
        },
        signal: request.signal,
      });
  for (const step of loop?.steps ?? []) add(step);
  const effects = loop?.effects ?? [];
  const final: Answer | undefined = route.call.fallback ? route.call : loop?.final;

  for (const effect of effects) {
    if (effect.kind === 'lead' && effect.lead.enteredStage) {
      metrics.leads.inc({ stage: effect.lead.enteredStage });
    }
  }
  const handedOff = effects.find((e) => e.kind === 'handoff');
  if (handedOff) metrics.escalations.inc({ reason: 'tool' });

  // A model outage is not a handoff: unless the tenant asked for a person, the turn waits for the
  // providers (the pipeline retries it and sends the holding message once per outage).
  const modelsFailed = final?.fallback !== undefined && FAILED.has(final.fallback);
  const asksForPerson = route.intent === 'human_request' && confident;
  if (
    modelsFailed &&
    !handedOff &&
    !asksForPerson &&
    !tenant.escalateOnProviderFailure &&
    request.mayWaitForModels
  ) {
    throw new ModelsUnavailable(
      `every provider failed (${final?.fallback})`,
      tenant.outageMessage ?? say.holding,
    );
  }
  if (final && !final.fallback) await returnOutageHandoffs(db, request.tenantId, log);

  // 5. Output guardrails.
  let text = final?.text.trim() || (handedOff ? say.handoff : say.unavailable);
  const citations = [...new Set(effects.flatMap((e) => (e.kind === 'kb' ? e.citations : [])))];
  const first = citations[0];
  if (first && !final?.fallback && !citations.some((c) => text.includes(c))) {
    text = `${text}\n\n(${say.source}: ${first})`;
  }
  const output = checkOutput(text, {
    channel: request.channel,
    systemPrompt: system,
    contactTexts: [
      contactText,
      ...request.history.filter((h) => h.author === 'contact').map((h) => h.text),
    ],
  });
  for (const flag of output.flags) {
    flags.push(flag);
    metrics.guardrailBlocks.inc({ type: flag });
    log.warn({ guardrail: flag }, 'reply changed by an output guardrail');
  }
  text = output.withheld ? say.withheld : output.text;
  await recordTurn(db, request.turnId, flags, prompt);

  // 6. Escalation. The reply then tells the contact a person is coming, and is still delivered.
  let handoffNotice = handedOff?.kind === 'handoff' && handedOff.changed;
  if (!handedOff) {
    if (modelsFailed && tenant.escalateOnProviderFailure) {
      handoffNotice = (await escalate('providers_failed', final?.fallback ?? '')).changed;
      text = say.unavailable;
    } else if (asksForPerson) {
      // Also without any model (offline responder): asking for a person always reaches one.
      handoffNotice = (await escalate('human_request', 'the contact asked for a person')).changed;
    } else if (modelsFailed) {
      // The outage outlasted LLM_OUTAGE_WAIT_S and the tenant wants no person for it.
      text = say.unavailableLater;
    } else if (
      await lowConfidenceStreak(
        db,
        {
          conversationId: request.conversationId,
          turnId: request.turnId,
          confidence: route.confidence,
        },
        tenant.thresholds,
      )
    ) {
      handoffNotice = (
        await escalate(
          'low_confidence',
          `${tenant.thresholds.maxInteractions} turns below ${tenant.thresholds.minConfidence}`,
        )
      ).changed;
      if (handoffNotice) text = say.handoff;
    }
  }

  const answered = final ?? route.call;
  // Seed 002 greps "AgentPipeline" per turn, seed 004 §5.2 greps "fallback" in fallback mode.
  if (final?.fallback)
    log.info({ fallback: final.fallback }, `fallback answer (${final.fallback})`);
  log.info(
    {
      agent: agent.name,
      intent: route.intent,
      confidence: route.confidence,
      handoff: handoffNotice,
    },
    'turn answered',
  );
  const plainAnswer =
    !handedOff &&
    !handoffNotice &&
    !final?.fallback &&
    confident &&
    route.intent !== 'human_request' &&
    output.flags.length === 0 &&
    !output.withheld &&
    effects.every((e) => e.kind === 'kb') &&
    !(request.contact.name && text.includes(request.contact.name));
  if (deps.cache && cacheKey && final && plainAnswer) {
    await deps.cache.store.set(
      request.tenantId,
      cacheKey,
      { text, intent: route.intent, confidence: route.confidence, agent: agent.name },
      deps.cache.ttlSeconds,
    );
  }
  return {
    text,
    intent: route.intent,
    confidence: route.confidence,
    agent: agent.name,
    provider: answered.provider,
    model: answered.model,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsd: usage.costUsd,
    fallback: final?.fallback,
    handoffNotice,
  };
}

/** The reason an escalation for failing providers carries (`providers_failed: all_failed`). */
const PROVIDERS_FAILED_REASON = 'providers_failed:%';

/**
 * A model answered, so the providers are back: conversations handed over only because every
 * provider failed, and not yet taken by a person, return to the bot.
 */
async function returnOutageHandoffs(db: Db, tenantId: string, log: Logger): Promise<void> {
  const waiting = await db
    .select({ conversationId: schema.handoffs.conversationId })
    .from(schema.handoffs)
    .where(
      and(
        eq(schema.handoffs.tenantId, tenantId),
        eq(schema.handoffs.status, 'pendente'),
        like(schema.handoffs.reason, PROVIDERS_FAILED_REASON),
      ),
    );
  for (const { conversationId } of waiting) {
    await release(db, { tenantId, conversationId, trigger: 'escalation' });
    log.info(
      { agent: 'EscalatorAgent', returned_conversation: conversationId },
      'providers recovered: a conversation handed over only for their failure returns to the bot',
    );
  }
}

async function tenantSettings(
  db: Db,
  tenantId: string,
  config: AgentDeps['config'],
): Promise<TenantAgentSettings> {
  const [row] = await db
    .select({ settings: schema.tenants.settings })
    .from(schema.tenants)
    .where(eq(schema.tenants.id, tenantId));
  const settings = row?.settings ?? {};
  const escalation = settings.escalation ?? {};
  return {
    customInstructions:
      typeof settings.custom_instructions === 'string' ? settings.custom_instructions : undefined,
    maskPii: settings.pii_masking === true,
    escalateOnProviderFailure: escalation.on_provider_failure === true,
    outageMessage:
      typeof settings.outage_message === 'string' && settings.outage_message.trim()
        ? settings.outage_message
        : undefined,
    thresholds: {
      minConfidence:
        typeof escalation.min_confidence === 'number'
          ? escalation.min_confidence
          : config.ESCALATION_MIN_CONFIDENCE,
      maxInteractions:
        typeof escalation.max_interactions === 'number'
          ? escalation.max_interactions
          : config.ESCALATION_MAX_INTERACTIONS,
    },
  };
}

/** Who is talking, for tools: bound HTTP tool arguments are filled with these, never the model's. */
async function conversationFacts(db: Db, conversationId: string): Promise<ConversationFacts> {
  const [row] = await db
    .select({
      contactId: schema.contacts.id,
      externalId: schema.contacts.externalId,
      phone: schema.contacts.phone,
      email: schema.contacts.email,
    })
    .from(schema.conversations)
    .innerJoin(schema.contacts, eq(schema.contacts.id, schema.conversations.contactId))
    .where(eq(schema.conversations.id, conversationId));
  return {
    contact_id: row?.contactId ?? null,
    contact_external_id: row?.externalId ?? null,
    contact_phone: row?.phone ?? null,
    contact_email: row?.email ?? null,
    conversation_id: conversationId,
  };
}

/** Flags and prompt version live on the turn; the pipeline writes the rest when it commits. */
async function recordTurn(
  db: Db,
  turnId: string,
  flags: string[],
  prompt?: { id: string | null; version: number },
): Promise<void> {
  await db
    .update(schema.turns)
    .set({
      guardrailFlags: sql`${`{${flags.join(',')}}`}::text[]`,
      ...(prompt ? { promptId: prompt.id, promptVersion: prompt.version } : {}),
    })
    .where(eq(schema.turns.id, turnId));
}
