/**
 * The LLM simulator speaks both wire formats well enough for the real AI SDK providers: text and
 * tool calls, streamed and not, usage; and it is scriptable per request with `x-sim-*` headers.
 */
import { tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type LlmSimulator, startLlmSimulator } from '../../src/gateway/index.ts';
import { eventually } from '../support/eventually.ts';
import { type GatewayFixture, gatewayFixture } from './setup.ts';

const tools = {
  lookup_order: tool({
    description: 'Finds an order by its number.',
    inputSchema: z.object({ id: z.string() }),
  }),
};

describe('LLM simulator through the AI SDK providers', () => {
  let fixture: GatewayFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  for (const provider of ['openai', 'anthropic'] as const) {
    for (const stream of [false, true]) {
      it(`${provider}${stream ? ', streamed' : ''}: text, echo and tool calls`, async () => {
        fixture = await gatewayFixture(
          'pglite',
          {},
          { primary: { echo: true }, secondary: { echo: true } },
        );
        const { gateway } = fixture.test.runtime;
        const text = await gateway.generate(
          { messages: [{ role: 'user', content: 'Onde está meu pedido?' }], stream },
          { providers: [provider] },
        );
        expect(text).toMatchObject({ provider, text: 'Onde está meu pedido?' });
        expect(text.usage.outputTokens).toBeGreaterThan(0);

        const sim = provider === 'openai' ? fixture.primary : fixture.secondary;
        sim.behave({ toolCall: { name: 'lookup_order', input: { id: '42' } } });
        const call = await gateway.generate(
          { messages: [{ role: 'user', content: 'Pedido 42?' }], tools, stream },
          { providers: [provider] },
        );
        expect(call.toolCalls).toEqual([
          { toolCallId: expect.any(String), toolName: 'lookup_order', input: { id: '42' } },
        ]);
        expect(sim.requests.at(-1)).toMatchObject({ format: provider, stream });
      });
    }
  }
});

describe('LLM simulator over plain HTTP', () => {
  let sim: LlmSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const post = (path: string, headers: Record<string, string>, body: object) =>
    fetch(`${sim?.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('answers 429 with retry-after, a fixed answer and usage, as the headers say; counts requests', async () => {
    sim = await startLlmSimulator({ behaviour: { answer: 'run default' } });
    const limited = await post(
      '/v1/chat/completions',
      { 'x-sim-status': '429', 'x-sim-retry-after': '7' },
      { model: 'm', messages: [{ role: 'user', content: 'oi' }] },
    );
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toMatchObject({ error: { type: 'rate_limit_exceeded' } });

    const fixed = await post(
      '/v1/messages',
      { 'x-sim-answer': 'resposta fixa', 'x-sim-usage': '10,4' },
      { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'oi' }] },
    );
    expect(await fixed.json()).toMatchObject({
      content: [{ type: 'text', text: 'resposta fixa' }],
      usage: { input_tokens: 10, output_tokens: 4 },
    });
    const byRun = await post('/v1/chat/completions', {}, { model: 'm', messages: [] });
    expect(await byRun.json()).toMatchObject({
      choices: [{ message: { content: 'run default' } }],
    });

    expect(sim.count()).toBe(3);
    expect(sim.count('anthropic')).toBe(1);
    const listed = await fetch(`${sim.url}/_sim/requests`);
    expect(await listed.json()).toMatchObject({ count: 3 });
  });

  it('a hanging request ends when the client gives up', async () => {
    sim = await startLlmSimulator();
    const client = new AbortController();
    const hung = fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sim-hang': 'true' },
      body: JSON.stringify({ model: 'm', messages: [] }),
      signal: client.signal,
    }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    const request = await eventually(() => sim?.requests[0], 15_000, 'the request to arrive');
    expect(request.abandoned).toBeUndefined();
    client.abort();
    expect(await hung).toBe('AbortError');
    await eventually(() => request.abandoned, 15_000, 'the simulator to see the client leave');
  });
});
