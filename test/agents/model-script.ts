/**
 * What a test scripts the LLM simulator with: the requests it sees as chat bodies, how to tell the
 * router's request from an agent's, and the answers that route, call a tool or reply.
 */
import type { SimBehaviour } from '../../src/gateway/index.ts';

/** An OpenAI chat-completions request body as the simulator received it. */
export interface ChatRequest {
  messages: Array<{ role: string; content: unknown; tool_calls?: unknown[] }>;
  tools?: Array<{ function: { name: string } }>;
}

export type Script = (request: ChatRequest) => SimBehaviour | undefined;

/** The router's request carries its one tool; the agent's carry theirs. */
export function isRouting(request: ChatRequest): boolean {
  return request.tools?.some((t) => t.function.name === 'route_conversation') ?? false;
}

/** The agent has read a tool's result and is to answer now. */
export function afterTool(request: ChatRequest): boolean {
  return request.messages[request.messages.length - 1]?.role === 'tool';
}

export function route(agent: string, intent: string, confidence: number): SimBehaviour {
  return { toolCall: { name: 'route_conversation', input: { agent, intent, confidence } } };
}

export function callTool(name: string, input: Record<string, unknown>): SimBehaviour {
  return { toolCall: { name, input } };
}
