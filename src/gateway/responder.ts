/**
 * The gateway as the pipeline's responder until the agents arrive: the conversation so far goes to
 * the cascade with a short instruction; with no provider configured the offline responder answers.
 */
import type { ModelMessage } from 'ai';
import type { Responder, TurnReply } from '../pipeline/index.ts';
import type { Gateway } from './types.ts';

/** Not user-facing: the model is told to answer in the tenant's language itself. */
function instructions(language: string): string {
  return [
    'You are the customer service assistant of a company, chatting with a customer.',
    `Answer in the language with the code ${language}, briefly and politely.`,
    'Never invent facts about the company, its products, prices or policies.',
    'When you do not know, or the customer asks for a person, offer to call a human agent.',
  ].join(' ');
}

export function createGatewayResponder(gateway: Gateway): Responder {
  return async (request): Promise<TurnReply> => {
    const messages: ModelMessage[] = [
      ...request.history.map(
        (m): ModelMessage =>
          m.author === 'contact'
            ? { role: 'user', content: m.text }
            : { role: 'assistant', content: m.text },
      ),
      { role: 'user', content: request.messages.map((m) => m.text).join('\n') },
    ];
    const result = await gateway.generate({
      tenantId: request.tenantId,
      conversationId: request.conversationId,
      turnId: request.turnId,
      system: instructions(request.language),
      messages,
      language: request.language,
      signal: request.signal,
    });
    return {
      text: result.text,
      intent: result.intent,
      confidence: result.intent ? (result.intent === 'unknown' ? 0 : 1) : undefined,
      agent: result.provider === 'local' ? 'offline' : 'gateway',
      provider: result.provider,
      model: result.model,
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      costUsd: result.costUsd,
      fallback: result.fallback,
    };
  };
}
