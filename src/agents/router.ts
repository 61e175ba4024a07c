/**
 * The router (SPEC §7.1): the cheap model (`SIMPLE_QUERY_MODEL`) reads the conversation and answers,
 * through a tool call (structured output), which agent should answer, the intent and its
 * confidence. The call is asked for, not forced: not every provider honours a required tool choice,
 * and a refusal would count against the provider. A model that answers in text instead is read as
 * JSON when it can be; otherwise the turn goes to `support` with no confidence claimed.
 */
import type { ModelMessage } from 'ai';
import { tool } from 'ai';
import { z } from 'zod';
import type { Gateway, GatewayResult } from '../gateway/index.ts';
import type { AgentDefinition } from './catalog.ts';

export interface Route {
  agent: string;
  intent: string;
  /** 0–1; undefined when the model gave no structured answer. */
  confidence?: number;
  /** The router's own gateway call (usage and cost are added to the turn's). */
  call: GatewayResult;
}

const routeInput = z.object({
  agent: z.string(),
  intent: z.string(),
  confidence: z.number().min(0).max(1),
});

export async function routeTurn(
  llm: Pick<Gateway, 'generate'>,
  input: {
    tenantId: string;
    conversationId: string;
    turnId: string;
    language: string;
    system: string;
    messages: ModelMessage[];
    agents: AgentDefinition[];
    signal: AbortSignal;
  },
): Promise<Route> {
  const names = input.agents.map((a) => a.name);
  const catalogue = input.agents.map((a) => `- ${a.name}: ${a.description}`).join('\n');
  const call = await llm.generate({
    tenantId: input.tenantId,
    conversationId: input.conversationId,
    turnId: input.turnId,
    purpose: 'simple',
    phase: 'route',
    language: input.language,
    system: `${input.system}\n\nAgents:\n${catalogue}`,
    messages: input.messages,
    tools: {
      route_conversation: tool({
        description: 'Say which agent answers, the intent and your confidence.',
        inputSchema: routeInput,
      }),
    },
    maxTokens: 200,
    signal: input.signal,
  });
  const structured =
    routeInput.safeParse(call.toolCalls.find((c) => c.toolName === 'route_conversation')?.input)
      .data ?? routeInput.safeParse(jsonIn(call.text)).data;
  if (!structured) {
    // The offline responder answered, or a model ignored the tool: its intent, if any, stands.
    return { agent: 'support', intent: call.intent ?? 'unknown', call };
  }
  return {
    agent: names.includes(structured.agent) ? structured.agent : 'support',
    intent:
      structured.intent
        .toLowerCase()
        .replace(/[^a-z0-9_]+/g, '_')
        .slice(0, 40) || 'unknown',
    confidence: structured.confidence,
    call,
  };
}

function jsonIn(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}
