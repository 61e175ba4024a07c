/**
 * How a case scripts the LLM simulator for one turn: the router's request gets the scripted route,
 * the agent's requests call the scripted tools one per step, then the answer. Requests are told
 * apart the way a provider would see them: the router's carries its one tool, `route_conversation`.
 */
import { SUMMARY_INSTRUCTIONS } from '../agents/index.ts';
import type { SimBehaviour } from '../gateway/index.ts';
import type { Simulation } from './schema.ts';

/** An OpenAI chat-completions body, as far as the script reads it. */
interface ChatBody {
  messages?: Array<{ role?: string; content?: unknown }>;
  tools?: Array<{ function?: { name?: string } }>;
}

export function simulatorScript(simulation: Simulation | undefined) {
  return (body: unknown): SimBehaviour | undefined => {
    const request = (body ?? {}) as ChatBody;
    const tools = (request.tools ?? []).map((t) => t.function?.name);
    const messages = request.messages ?? [];
    // A long case makes the agents fold old messages into the rolling summary: the simulator
    // hands back what it was given, a deterministic stand-in for a model's summary.
    const system = messages.find((m) => m.role === 'system')?.content;
    if (typeof system === 'string' && system.startsWith(SUMMARY_INSTRUCTIONS)) {
      return { echo: true };
    }
    if (!simulation) return undefined;
    if (tools.includes('route_conversation')) {
      return simulation.route
        ? { toolCall: { name: 'route_conversation', input: simulation.route } }
        : { answer: '' };
    }
    const lastUser = messages.map((m) => m.role).lastIndexOf('user');
    const toolResults = messages.slice(lastUser + 1).filter((m) => m.role === 'tool').length;
    const next = simulation.tools[toolResults];
    if (next && tools.includes(next.name)) {
      return { toolCall: { name: next.name, input: next.input } };
    }
    return { answer: simulation.answer ?? '' };
  };
}
