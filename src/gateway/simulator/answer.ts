/**
 * The simulator's answer to a request, independent of wire format: text or a tool call, and the
 * usage to report. Each wire format (openai.ts, anthropic.ts) renders it.
 */
import type { SimBehaviour } from './behaviour.ts';

export interface SimAnswer {
  text: string;
  toolCall?: { id: string; name: string; input: Record<string, unknown> };
  usage: { input: number; output: number; cached: number };
}

/** What both wire formats carry in a request, reduced to what the answer needs. */
export interface SimPrompt {
  /** Every text of the prompt, system included, for the usage estimate. */
  allText: string;
  lastUserText: string;
  toolNames: string[];
}

export function simAnswer(prompt: SimPrompt, behaviour: SimBehaviour, sequence: number): SimAnswer {
  const toolName = behaviour.toolCall
    ? (behaviour.toolCall.name ?? prompt.toolNames[0])
    : undefined;
  const text = toolName
    ? ''
    : (behaviour.answer ??
      (behaviour.echo ? prompt.lastUserText : `Simulated answer to: ${prompt.lastUserText}`));
  const toolCall = toolName
    ? { id: `call_sim_${sequence}`, name: toolName, input: behaviour.toolCall?.input ?? {} }
    : undefined;
  // ~4 characters per token, at least one: close enough for cost arithmetic to be checked.
  const outputChars = toolCall
    ? JSON.stringify(toolCall.input).length + toolCall.name.length
    : text.length;
  return {
    text,
    toolCall,
    usage: {
      input: behaviour.usage?.input ?? Math.max(1, Math.ceil(prompt.allText.length / 4)),
      output: behaviour.usage?.output ?? Math.max(1, Math.ceil(outputChars / 4)),
      cached: behaviour.usage?.cached ?? 0,
    },
  };
}

/** Splits text into a few chunks, as a provider streams it. */
export function chunksOf(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** Text of a message content: a string, or parts of which the text ones count. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => {
      const p = part as { type?: string; text?: string; content?: unknown };
      if (typeof p.text === 'string') return p.text;
      if (p.content !== undefined) return contentText(p.content);
      return '';
    })
    .join(' ');
}
