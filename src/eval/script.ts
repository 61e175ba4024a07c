/**
 * How a case scripts the LLM simulator for one turn: the router's request gets the scripted route,
 * the agent's requests call the scripted tools one per step, then the answer. Requests are told
 * apart the way a provider would see them: the router's carries its one tool, `route_conversation`.
 */
import type { SimBehaviour } from '../gateway/index.ts';
import type { Simulation } from './schema.ts';

/** An OpenAI chat-completions body, as far as the script reads it. */
interface ChatBody {
  messages?: Array<{ role?: string }>;
  tools?: Array<{ function?: { name?: string } }>;
}

export function simulatorScript(simulation: Simulation | undefined) {
  return (body: unknown): SimBehaviour | undefined => {
    if (!simulation) return undefined;
    const request = (body ?? {}) as ChatBody;
    const tools = (request.tools ?? []).map((t) => t.function?.name);
    if (tools.includes('route_conversation')) {
      return simulation.route
        ? { toolCall: { name: 'route_conversation', input: simulation.route } }
        : { answer: '' };
    }
    const messages = request.messages ?? [];
    const lastUser = messages.map((m) => m.role).lastIndexOf('user');
    const toolResults = messages.slice(lastUser + 1).filter((m) => m.role === 'tool').length;
    const next = simulation.tools[toolResults];
    if (next && tools.includes(next.name)) {
      return { toolCall: { name: next.name, input: next.input } };
    }
    return { answer: simulation.answer ?? '' };
  };
}
