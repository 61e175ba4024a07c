/**
 * What the model reads: the system prompt (agent prompt, reply language, the tenant's
 * `custom_instructions`, who the contact is) and the conversation — the recent messages that fit a
 * character budget, system-authored ones (the human-stretch marker) kept.
 */
import type { ModelMessage } from 'ai';
import type { TurnRequest } from '../pipeline/index.ts';
import { DATA_RULE } from './guardrails/untrusted.ts';

/** ~4,000 tokens of conversation: room for the prompt, tool results and the answer. */
export const CONTEXT_CHAR_BUDGET = 16_000;

const LANGUAGE_NAMES: Record<string, string> = {
  'pt-br': 'Brazilian Portuguese',
  pt: 'Portuguese',
  'pt-pt': 'European Portuguese',
  en: 'English',
  'en-us': 'American English',
  'en-gb': 'British English',
  es: 'Spanish',
};

export function languageInstruction(language: string): string {
  const name = LANGUAGE_NAMES[language.toLowerCase()] ?? language;
  return `Reply language: ${name} (${language}). Always answer in it.`;
}

export function systemPrompt(input: {
  agentPrompt: string;
  language: string;
  customInstructions?: string;
  contactName: string | null;
  channel: string;
}): string {
  return [
    input.agentPrompt,
    languageInstruction(input.language),
    input.customInstructions?.trim()
      ? `Company instructions (follow them): ${input.customInstructions.trim()}`
      : '',
    `The customer${input.contactName ? ` is ${input.contactName} and` : ''} writes on the ${input.channel} channel.`,
    DATA_RULE,
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** The conversation as model messages, newest kept first when the budget runs out. */
export function conversationMessages(
  request: Pick<TurnRequest, 'history'>,
  latest: string,
  mask: (text: string) => string,
): ModelMessage[] {
  const messages: ModelMessage[] = [{ role: 'user', content: latest }];
  let used = latest.length;
  for (let i = request.history.length - 1; i >= 0; i -= 1) {
    const entry = request.history[i];
    if (!entry || used + entry.text.length > CONTEXT_CHAR_BUDGET) break;
    used += entry.text.length;
    // Operator and system lines (the human-stretch marker) are the company's side of the talk.
    messages.unshift(
      entry.author === 'contact'
        ? { role: 'user', content: mask(entry.text) }
        : { role: 'assistant', content: entry.text },
    );
  }
  return messages;
}
