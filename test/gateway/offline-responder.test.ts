import { describe, expect, it } from 'vitest';
import {
  answerOffline,
  createGatewayResponder,
  createOfflineResponder,
  detectIntent,
  OFFLINE_MESSAGES,
} from '../../src/gateway/index.ts';
import type { TurnRequest } from '../../src/pipeline/index.ts';
import { openTestRuntime } from '../support/runtime.ts';

function request(texts: string[], language = 'pt-BR'): TurnRequest {
  return {
    tenantId: 't',
    conversationId: 'c',
    turnId: 'turn',
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
      'falar com humano',
      'can I talk to a human?',
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

describe('the gateway with no provider key (the embedded default)', () => {
  it('answers a greeting and a request for a human through the offline responder', async () => {
    const test = await openTestRuntime('pglite');
    try {
      const respond = createGatewayResponder(test.runtime.gateway);
      const greeting = await respond(request(['Olá, bom dia!']));
      expect(greeting).toMatchObject({
        text: OFFLINE_MESSAGES['pt-BR'].greeting,
        provider: 'local',
        model: 'offline',
        intent: 'greeting',
        costUsd: 0,
      });
      const human = await respond(request(['quero falar com um atendente']));
      expect(human).toMatchObject({
        text: OFFLINE_MESSAGES['pt-BR'].humanRequest,
        intent: 'human_request',
      });
      const result = await test.runtime.gateway.generate({
        messages: [{ role: 'user', content: 'talk to a human' }],
        language: 'en',
      });
      expect(result).toMatchObject({
        provider: 'local',
        fallback: 'no_provider',
        text: OFFLINE_MESSAGES.en.humanRequest,
        attempts: [],
      });
    } finally {
      await test.close();
    }
  });

  it('after a failure, adds the human offer and prefers the tenant’s canned text', async () => {
    const say = OFFLINE_MESSAGES.en;
    expect(await answerOffline({ text: 'hello', language: 'en', offerHuman: true })).toEqual({
      text: `${say.greeting} ${say.humanOffer}`,
      intent: 'greeting',
      confidence: 1,
    });
    const canned = await answerOffline({
      text: 'what are your prices?',
      language: 'en',
      canned: { unknown: 'Our team will get back to you.' },
      offerHuman: true,
    });
    expect(canned.text).toBe('Our team will get back to you.');
  });
});
