/**
 * The offline responder, provider `local` (SPEC §5.6): deterministic, no network. It recognises a
 * request for a human (pt-BR and en phrasings), answers a question from the knowledge base when
 * retrieval is confident (the lookup decides and logs why), greets and thanks, and otherwise offers
 * a human — it never invents facts. It is what answers when no LLM provider is configured.
 */
import { foldForSearch, stripCourtesy } from '../knowledge/index.ts';
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

export function detectIntent(text: string): OfflineIntent {
  const plain = foldForSearch(text);
  return PATTERNS.find(([, pattern]) => pattern.test(plain))?.[0] ?? 'unknown';
}

/** Enough left to search: two words of substance, or one asked as a question ("abre sabado?"). */
function asksSomething(original: string, stripped: string): boolean {
  const words = stripped.match(/[\p{L}\p{N}]{3,}/gu)?.length ?? 0;
  return words >= 2 || (words === 1 && original.includes('?'));
}

/** What the knowledge base found for a question: the sentences to quote and their citation. */
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
  /** The knowledge-base source quoted, when the answer came from it. */
  citation?: string;
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
  const detected = detectIntent(input.text);
  const say = messagesFor(input.language);
  const question = stripCourtesy(input.text);
  // "Bom dia, em quantas vezes posso parcelar?" is a question: the greeting only opens it.
  const intent: OfflineIntent =
    detected !== 'human_request' && asksSomething(input.text, question) ? 'unknown' : detected;
  if (intent === 'unknown' && !input.canned?.unknown) {
    const found = await (input.knowledge ?? noKnowledge)({
      tenantId: input.tenantId,
      text: question,
      language: input.language,
    });
    if (found) {
      return {
        text: `${found.text}\n\n(${found.citation})`,
        intent,
        confidence: 1,
        citation: found.citation,
      };
    }
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
