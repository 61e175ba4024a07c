/**
 * The offline responder, provider `local` (SPEC §5.6): deterministic, no network. It greets,
 * recognises a request for a human (pt-BR and en phrasings), thanks, and otherwise offers a human
 * — it never invents facts. It is what answers when no LLM provider is configured.
 */
import type { Responder, TurnReply } from '../pipeline/index.ts';
import { messagesFor } from './messages.ts';

export type OfflineIntent = 'human_request' | 'greeting' | 'thanks' | 'unknown';

/** Checked in this order: asking for a human wins over a greeting in the same message. */
const PATTERNS: Array<[OfflineIntent, RegExp]> = [
  [
    'human_request',
    /\b(atendente|humano|humana|pessoa|gente de verdade|falar com alguem|operador|human|agent|representative|real person|talk to (a |an )?(person|someone))\b/,
  ],
  [
    'greeting',
    /\b(oi|ola|bom dia|boa tarde|boa noite|e ai|hello|hi|hey|good (morning|afternoon|evening))\b/,
  ],
  ['thanks', /\b(obrigad[oa]|valeu|agradeco|thanks|thank you|thx)\b/],
];

/** Lower case without accents, so "Olá", "ola" and "OLÁ" read the same. */
function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

export function detectIntent(text: string): OfflineIntent {
  const plain = normalise(text);
  return PATTERNS.find(([, pattern]) => pattern.test(plain))?.[0] ?? 'unknown';
}

/** What the knowledge base found for a question; the knowledge issue plugs retrieval in here. */
export interface KnowledgeAnswer {
  text: string;
  citation: string;
}
export type KnowledgeLookup = (query: {
  tenantId?: string;
  text: string;
  language: string;
}) => Promise<KnowledgeAnswer | null>;

/** No knowledge base yet: nothing is found, so the responder offers a human. */
export const noKnowledge: KnowledgeLookup = async () => null;

export interface OfflineAnswer {
  text: string;
  intent: OfflineIntent;
  confidence: number;
}

/**
 * The answer of `local`. `canned` is the tenant's text per intent (`canned_responses`), and
 * `offerHuman` appends the human offer: set when the models failed rather than were never there.
 */
export async function answerOffline(input: {
  text: string;
  language: string;
  tenantId?: string;
  canned?: Record<string, string>;
  offerHuman?: boolean;
  knowledge?: KnowledgeLookup;
}): Promise<OfflineAnswer> {
  const intent = detectIntent(input.text);
  const say = messagesFor(input.language);
  if (intent === 'unknown' && !input.canned?.unknown) {
    const found = await (input.knowledge ?? noKnowledge)({
      tenantId: input.tenantId,
      text: input.text,
      language: input.language,
    });
    if (found) return { text: `${found.text}\n\n(${found.citation})`, intent, confidence: 1 };
  }
  const defaults: Record<OfflineIntent, string> = {
    human_request: say.humanRequest,
    greeting: say.greeting,
    thanks: say.thanks,
    unknown: say.fallback,
  };
  const text = input.canned?.[intent] ?? defaults[intent];
  // The fallback text and the human hand-off already speak of a human.
  const offer = input.offerHuman && intent !== 'unknown' && intent !== 'human_request';
  return {
    text: offer ? `${text} ${say.humanOffer}` : text,
    intent,
    confidence: intent === 'unknown' ? 0 : 1,
  };
}

export function createOfflineResponder(knowledge: KnowledgeLookup = noKnowledge): Responder {
  return async (request): Promise<TurnReply> => {
    const answer = await answerOffline({
      text: request.messages.map((m) => m.text).join('\n'),
      language: request.language,
      tenantId: request.tenantId,
      knowledge,
    });
    return {
      ...answer,
      agent: 'offline',
      provider: 'local',
      model: 'offline',
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    };
  };
}
