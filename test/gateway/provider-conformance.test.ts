/**
 * Issue 19 acceptance 2: every provider the configuration accepts, through its real AI SDK
 * package, against the LLM simulator speaking that provider's wire format. For each: a plain
 * answer, a tool call round trip, usage and cost recorded, errors classified (429 retryable with
 * its retry-after, 401 not), a timeout and a caller's abort that the simulator sees as a client
 * leaving.
 */
import { APICallError, generateText, stepCountIs, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toProviderError } from '../../src/gateway/errors.ts';
import {
  costOf,
  createGateway,
  type Gateway,
  LLM_PROVIDERS,
  type LlmProvider,
  type LlmSimulator,
  listPrices,
  ProviderError,
  setPrice,
  startLlmSimulator,
} from '../../src/gateway/index.ts';
import { createProviderRegistry } from '../../src/gateway/providers.ts';
import { eventually } from '../support/eventually.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { rows } from '../support/sql.ts';

const KEY = 'sk-conformance';

/** How each provider is configured against the simulator, and the wire format it must arrive in. */
const PROVIDERS: Record<
  LlmProvider,
  { env: (url: string) => Record<string, string>; format: 'openai' | 'anthropic' | 'google' }
> = {
  openai: {
    env: (url) => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `${url}/v1` }),
    format: 'openai',
  },
  anthropic: {
    env: (url) => ({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: `${url}/v1` }),
    format: 'anthropic',
  },
  google: {
    env: (url) => ({ GOOGLE_API_KEY: KEY, GOOGLE_BASE_URL: `${url}/v1beta` }),
    format: 'google',
  },
  xai: { env: (url) => ({ XAI_API_KEY: KEY, XAI_BASE_URL: `${url}/v1` }), format: 'openai' },
  // Ollama is enabled by its base URL and reached under /v1 (its OpenAI-compatible API).
  ollama: { env: (url) => ({ OLLAMA_BASE_URL: url, OLLAMA_API_KEY: KEY }), format: 'openai' },
  'openai-compatible': {
    env: (url) => ({
      OPENAI_COMPATIBLE_BASE_URL: `${url}/v1`,
      OPENAI_COMPATIBLE_API_KEY: KEY,
      OPENAI_COMPATIBLE_MODEL: 'local-model',
    }),
    format: 'openai',
  },
};

const QUESTION = 'Qual o horário de vocês?';
const hello = { messages: [{ role: 'user' as const, content: QUESTION }] };
const ORDER_STATUS = 'Pedido 42: enviado ontem.';

describe.each(LLM_PROVIDERS)('provider conformance: %s', (provider) => {
  let sim: LlmSimulator;
  let test: TestRuntime;
  /** A gateway of its own per test: one test's breaker or retry-after never leaks into the next. */
  const freshGateway = (): Gateway =>
    createGateway({
      config: test.runtime.config,
      db: test.runtime.database.db,
      logger: test.runtime.logger,
      registry: test.runtime.metrics.registry,
    });
  const providerStatus = (gateway: Gateway) =>
    gateway.status().providers.find((p) => p.provider === provider);

  beforeAll(async () => {
    sim = await startLlmSimulator({ apiKeys: [KEY] });
    test = await openTestRuntime('pglite', {
      ...PROVIDERS[provider].env(sim.url),
      PROVIDER_PRIORITY_ORDER: provider,
      PROVIDER_TIMEOUT_MS: '1500',
    });
  });
  afterAll(async () => {
    await test?.close();
    await sim?.close();
  });

  it('answers a plain question in its own wire format, streamed or not', async () => {
    sim.behave({});
    const gateway = freshGateway();
    const plain = await gateway.generate(hello);
    expect(plain).toMatchObject({ provider, text: `Simulated answer to: ${QUESTION}` });
    expect(plain.fallback).toBeUndefined();
    expect(sim.requests.at(-1)).toMatchObject({
      format: PROVIDERS[provider].format,
      model: plain.model,
      stream: false,
    });

    const pieces: string[] = [];
    const streamed = await gateway.generate({
      ...hello,
      stream: true,
      onText: (t) => pieces.push(t),
    });
    expect(streamed).toMatchObject({ provider, text: plain.text });
    expect(pieces.join('')).toBe(plain.text);
    expect(sim.requests.at(-1)).toMatchObject({ format: PROVIDERS[provider].format, stream: true });
  });

  it('runs a tool call round trip: the call, its result sent back, the answer', async () => {
    sim.behave({});
    const before = sim.count();
    const lookups: unknown[] = [];
    const gateway = freshGateway();
    // The simulator asks for the tool first, then answers with what it was sent back.
    sim.behave({ toolCall: { name: 'lookup_order', input: { id: '42' } } });
    const result = await generateText({
      model: gateway.languageModel,
      messages: [{ role: 'user', content: 'Onde está o pedido 42?' }],
      tools: {
        lookup_order: tool({
          description: 'Finds an order by its number.',
          inputSchema: z.object({ id: z.string() }),
          execute: async (input) => {
            lookups.push(input);
            sim.behave({ answer: 'Seu pedido foi enviado ontem.' });
            return ORDER_STATUS;
          },
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    expect(lookups).toEqual([{ id: '42' }]);
    expect(result.text).toBe('Seu pedido foi enviado ontem.');
    expect(result.steps.map((s) => s.toolCalls.map((c) => c.toolName))).toEqual([
      ['lookup_order'],
      [],
    ]);
    const [call, answer] = sim.requests.slice(before);
    expect(sim.count() - before).toBe(2);
    expect(JSON.stringify(call?.body)).toContain('lookup_order');
    // The tool's result went back to the provider in its own format.
    expect(JSON.stringify(answer?.body)).toContain(ORDER_STATUS);
  });

  it('records reported usage and its cost in llm_attempts and the metrics', async () => {
    const { db } = test.runtime.database;
    const gateway = freshGateway();
    await gateway.generate(hello); // seeds the price table
    const model = providerStatus(gateway)?.model ?? '';
    // openai-compatible has no seeded price (any model may sit behind it): give it one.
    if (provider === 'openai-compatible') {
      await setPrice(db, { provider, model, inputUsdPerMillion: 1, outputUsdPerMillion: 2 });
    }
    const price = (await listPrices(db)).find((p) => p.provider === provider && p.model === model);
    expect(price).toBeDefined();
    sim.behave({ usage: { input: 1000, output: 250 } });
    const spent = async () =>
      (await test.runtime.metrics.registry.getSingleMetric('cost_usd_total')?.get())?.values.find(
        (v) => v.labels.provider === provider && v.labels.model === model,
      )?.value ?? 0;
    const spentBefore = await spent();
    const result = await freshGateway().generate(hello);
    const usage = { inputTokens: 1000, outputTokens: 250, cachedInputTokens: 0 };
    expect(result.usage).toEqual(usage);
    const cost = costOf(price as NonNullable<typeof price>, usage);
    expect(result.costUsd).toBeCloseTo(cost, 12);
    const recorded = await rows<{ input_tokens: number; output_tokens: number; cost_usd: string }>(
      db,
      `select input_tokens, output_tokens, cost_usd from llm_attempts
        where provider = '${provider}' and outcome = 'ok' order by id desc limit 1`,
    );
    expect(recorded[0]).toMatchObject({ input_tokens: 1000, output_tokens: 250 });
    expect(Number(recorded[0]?.cost_usd)).toBeCloseTo(cost, 8);
    expect((await spent()) - spentBefore).toBeCloseTo(cost, 12);
  });

  it('classifies a 429 as retryable with its retry-after, and keeps the provider out meanwhile', async () => {
    sim.behave({ status: 429, retryAfterS: 7 });
    const gateway = freshGateway();
    const thrown = await generateText({
      model: await providerModel(test, provider),
      prompt: 'oi',
      maxRetries: 0,
    }).catch((error: unknown) => error);
    expect(APICallError.isInstance(thrown) && thrown.isRetryable).toBe(true);
    const classified = toProviderError(thrown, provider, { timedOut: false, cancelled: false });
    expect(classified).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterMs: 7000 });

    const result = await gateway.generate(hello);
    expect(result).toMatchObject({ provider: 'local', fallback: 'all_failed' });
    expect(result.attempts).toMatchObject([
      { provider, outcome: 'error', errorKind: 'rate_limited' },
    ]);
    expect(providerStatus(gateway)?.coolingUntil).toBeDefined();
    const again = await gateway.generate(hello);
    expect(again.attempts).toMatchObject([
      { provider, outcome: 'skipped', errorKind: 'cooling_down' },
    ]);
  });

  it('classifies a 401 as not retryable: a setting to fix, named in the status', async () => {
    sim.behave({ status: 401 });
    const gateway = freshGateway();
    const thrown = await generateText({
      model: await providerModel(test, provider),
      prompt: 'oi',
      maxRetries: 0,
    }).catch((error: unknown) => error);
    expect(APICallError.isInstance(thrown) && thrown.isRetryable).toBe(false);
    const classified = toProviderError(thrown, provider, { timedOut: false, cancelled: false });
    expect(classified).toMatchObject({ kind: 'misconfigured', retryable: false, status: 401 });

    const result = await gateway.generate(hello);
    expect(result.attempts).toMatchObject([
      { provider, outcome: 'error', errorKind: 'misconfigured' },
    ]);
    expect(providerStatus(gateway)).toMatchObject({ healthy: false });
    expect(providerStatus(gateway)?.misconfigured).toMatch(/_API_KEY|_BASE_URL/);
  });

  it('ends a hanging request at PROVIDER_TIMEOUT_MS, and a caller’s abort ends it too', async () => {
    sim.behave({ hang: true });
    const gateway = freshGateway();
    const before = sim.count();
    const timedOut = await gateway.generate(hello);
    expect(timedOut).toMatchObject({ provider: 'local' });
    expect(timedOut.attempts).toMatchObject([{ provider, outcome: 'error', errorKind: 'timeout' }]);
    const hung = sim.requests[before];
    await eventually(() => hung?.abandoned, 15_000, 'the simulator to see the client leave');

    const caller = new AbortController();
    const cancelled = freshGateway()
      .generate({ ...hello, signal: caller.signal })
      .catch((error: unknown) => error);
    const waiting = await eventually(() => sim.requests[before + 1], 15_000, 'the request');
    caller.abort();
    const error = await cancelled;
    expect(ProviderError.is(error) && error.kind).toBe('cancelled');
    expect(ProviderError.is(error) && error.retryable).toBe(false);
    await eventually(() => waiting.abandoned, 15_000, 'the simulator to see the abort');
  });
});

/** The provider's bare AI SDK model (no gateway layers), from the provider registry. */
async function providerModel(test: TestRuntime, provider: LlmProvider) {
  const gateway = createGateway({
    config: test.runtime.config,
    db: test.runtime.database.db,
    logger: test.runtime.logger,
    registry: test.runtime.metrics.registry,
  });
  const status = gateway.status().providers.find((p) => p.provider === provider);
  const registry = createProviderRegistry(undefined);
  return registry.languageModel({
    id: provider,
    provider,
    model: status?.model ?? '',
    apiKey: KEY,
    baseUrl: status?.baseUrl,
    source: 'env',
  });
}
