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

export function createOfflineResponder(): Responder {
  return async (request): Promise<TurnReply> => {
    const text = request.messages.map((m) => m.text).join('\n');
    const intent = detectIntent(text);
    const say = messagesFor(request.language);
    const replies: Record<OfflineIntent, string> = {
      human_request: say.humanRequest,
      greeting: say.greeting,
      thanks: say.thanks,
      unknown: say.fallback,
    };
    return {
      text: replies[intent],
      intent,
      confidence: intent === 'unknown' ? 0 : 1,
      agent: 'offline',
      provider: 'local',
      model: 'offline',
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    };
  };
}
