import { describe, expect, it } from 'vitest';
import { createOfflineResponder, detectIntent, OFFLINE_MESSAGES } from '../../src/gateway/index.ts';
import type { TurnRequest } from '../../src/pipeline/index.ts';

function request(texts: string[], language = 'pt-BR'): TurnRequest {
  return {
    tenantId: 't',
    conversationId: 'c',
    channel: 'api',
    contact: { id: 'k', name: null },
    messages: texts.map((text, i) => ({ id: String(i), text, createdAt: new Date() })),
    history: [],
    language,
    signal: new AbortController().signal,
  };
}

describe('offline responder', () => {
  const respond = createOfflineResponder();

  it('greets in the tenant’s language, pt-BR by default', async () => {
    expect((await respond(request(['Olá!']))).text).toBe(OFFLINE_MESSAGES['pt-BR'].greeting);
    expect((await respond(request(['Bom dia, tudo bem?']))).intent).toBe('greeting');
    expect((await respond(request(['hi there'], 'en'))).text).toBe(OFFLINE_MESSAGES.en.greeting);
  });

  it('recognises a request for a human, also when it comes with a greeting', async () => {
    for (const text of [
      'quero falar com um atendente',
      'Oi, quero falar com um ATENDENTE',
      'me passa pra um humano por favor',
      'preciso falar com alguém',
      'I want to talk to a person',
      'agent please',
    ]) {
      expect(detectIntent(text), text).toBe('human_request');
    }
    const reply = await respond(request(['quero falar com um atendente']));
    expect(reply).toMatchObject({
      text: OFFLINE_MESSAGES['pt-BR'].humanRequest,
      intent: 'human_request',
      provider: 'local',
    });
  });

  it('offers a human instead of inventing an answer', async () => {
    const reply = await respond(request(['Qual o prazo de entrega para Manaus?']));
    expect(reply).toMatchObject({
      intent: 'unknown',
      confidence: 0,
      text: OFFLINE_MESSAGES['pt-BR'].fallback,
    });
    expect(detectIntent('oitenta reais')).toBe('unknown');
  });

  it('answers the same way every time, at no cost', async () => {
    const first = await respond(request(['obrigado!']));
    const second = await respond(request(['obrigado!']));
    expect(first).toEqual(second);
    expect(first).toMatchObject({ intent: 'thanks', costUsd: 0, inputTokens: 0 });
  });
});
