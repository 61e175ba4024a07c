/**
 * Issue 4 acceptance 1–5, 7, 8: the cascade through the real AI SDK providers against the LLM
 * simulator over HTTP. Timing bounds are generous: they prove "no retry storm", not a target.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  costOf,
  type GatewayResult,
  listPrices,
  OFFLINE_MESSAGES,
} from '../../src/gateway/index.ts';
import { buildServer } from '../../src/http/index.ts';
import { BACKENDS } from '../support/services.ts';
import { rows } from '../support/sql.ts';
import { type GatewayFixture, gatewayFixture } from './setup.ts';

const hello = { messages: [{ role: 'user' as const, content: 'Olá, qual o horário de vocês?' }] };

async function timed(call: () => Promise<GatewayResult>) {
  const started = performance.now();
  const result = await call();
  return { result, ms: performance.now() - started };
}

describe.each(BACKENDS)('gateway cascade (%s)', (backend) => {
  let fixture: GatewayFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('1. a 429 from the primary goes to the next provider at once, records both attempts, honours retry-after', async () => {
    fixture = await gatewayFixture(backend, {}, { secondary: { latencyMs: 300 } });
    const { gateway } = fixture.test.runtime;
    const ids = await fixture.turn('acme');
    await gateway.generate(hello, { providers: ['anthropic'] }); // warm: price table seeded
    fixture.primary.behave({ status: 429, retryAfterS: 30 });

    const result = await gateway.generate({ ...hello, ...ids });
    expect(result).toMatchObject({ provider: 'anthropic', model: 'claude-haiku-4-5' });
    expect(result.text).toContain('Simulated answer');
    expect(result.attempts.map((a) => [a.provider, a.outcome, a.errorKind])).toEqual([
      ['openai', 'error', 'rate_limited'],
      ['anthropic', 'ok', undefined],
    ]);
    expect(fixture.primary.count()).toBe(1);

    const recorded = await rows<{ provider: string; outcome: string; model: string }>(
      fixture.test.runtime.database.db,
      `select provider, outcome, model from llm_attempts where turn_id = '${ids.turnId}' order by id`,
    );
    expect(recorded).toEqual([
      { provider: 'openai', outcome: 'error', model: 'gpt-4o-mini' },
      { provider: 'anthropic', outcome: 'ok', model: 'claude-haiku-4-5' },
    ]);

    // retry-after: 30 s — the next call does not knock on the primary's door.
    const again = await gateway.generate(hello);
    expect(again.provider).toBe('anthropic');
    expect(again.attempts[0]).toMatchObject({
      provider: 'openai',
      outcome: 'skipped',
      errorKind: 'cooling_down',
    });
    expect(fixture.primary.count()).toBe(1);
  });

  it('2. a hanging primary hands over at PROVIDER_TIMEOUT_MS; MAX_LATENCY_MS caps the whole cascade', async () => {
    fixture = await gatewayFixture(
      backend,
      { PROVIDER_TIMEOUT_MS: '400', MAX_LATENCY_MS: '600' },
      { primary: { hang: true }, secondary: { latencyMs: 50 } },
    );
    const { gateway } = fixture.test.runtime;
    await gateway.generate(hello, { providers: ['anthropic'] });

    const handed = await timed(() => gateway.generate(hello));
    expect(handed.result.provider).toBe('anthropic');
    expect(handed.result.attempts[0]).toMatchObject({ provider: 'openai', errorKind: 'timeout' });
    // A floor the timeout guarantees (how quickly it hands over is omni bench's to measure).
    expect(handed.ms).toBeGreaterThanOrEqual(390);

    fixture.secondary.behave({ hang: true });
    const canned = await timed(() => gateway.generate(hello));
    expect(canned.result).toMatchObject({ provider: 'local', fallback: 'latency_budget' });
    const say = OFFLINE_MESSAGES['pt-BR'];
    // A question the offline responder cannot answer from a knowledge base: it offers a person.
    expect(canned.result.text).toBe(say.fallback);
    expect(canned.result.attempts.map((a) => a.errorKind)).toEqual(['timeout', 'timeout']);
    expect(canned.ms).toBeGreaterThanOrEqual(590);
  });

  it('3. five consecutive 500s open the breaker; after the cooldown one probe closes it', async () => {
    fixture = await gatewayFixture(backend, {}, { primary: { status: 500 } });
    const gateway = fixture.gateway({ breaker: { cooldownMs: 400 } });
    for (let i = 1; i <= 5; i += 1) {
      const result = await gateway.generate(hello);
      expect(result.provider).toBe('anthropic');
      expect(result.attempts[0]).toMatchObject({ provider: 'openai', errorKind: 'server' });
    }
    expect(fixture.primary.count()).toBe(5);
    expect(gateway.status().providers.find((p) => p.provider === 'openai')).toMatchObject({
      breaker: 'open',
      healthy: false,
      consecutiveFailures: 5,
    });

    const sixth = await gateway.generate(hello);
    expect(sixth.attempts[0]).toMatchObject({
      provider: 'openai',
      outcome: 'skipped',
      errorKind: 'circuit_open',
    });
    expect(fixture.primary.count()).toBe(5);

    await new Promise((resolve) => setTimeout(resolve, 450));
    fixture.primary.behave({});
    expect(gateway.status().providers.find((p) => p.provider === 'openai')?.breaker).toBe(
      'half_open',
    );
    const probe = await gateway.generate(hello);
    expect(probe.provider).toBe('openai');
    expect(fixture.primary.count()).toBe(6);
    expect(gateway.status().providers.find((p) => p.provider === 'openai')?.breaker).toBe('closed');
  });

  it('4. a refused key (401) is skipped, not retried, and /health/llm names the variable', async () => {
    fixture = await gatewayFixture(backend, { OPENAI_API_KEY: 'sk-wrong' });
    const { runtime } = fixture.test;
    const first = await runtime.gateway.generate(hello);
    expect(first.provider).toBe('anthropic');
    expect(first.attempts[0]).toMatchObject({ provider: 'openai', errorKind: 'misconfigured' });
    const second = await runtime.gateway.generate(hello);
    expect(second.attempts[0]).toMatchObject({ outcome: 'skipped', errorKind: 'misconfigured' });
    expect(fixture.primary.count()).toBe(1);

    const { app } = await buildServer(runtime);
    try {
      const response = await app.inject({ method: 'GET', url: '/health/llm' });
      expect(response.statusCode).toBe(503);
      const body = response.json();
      expect(body.providers.openai).toMatchObject({ configured: true, healthy: false });
      expect(body.providers.openai.misconfigured).toContain('OPENAI_API_KEY');
      expect(body.providers.anthropic).toMatchObject({
        configured: true,
        healthy: true,
        breaker: 'closed',
      });
      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toMatchObject({ status: 'degraded', llm: 'disconnected' });
    } finally {
      await app.close();
    }
  });

  it('5. a provider whose estimated cost exceeds MAX_COST_PER_REQUEST is skipped', async () => {
    // 1024 output tokens: claude-haiku-4-5 ≈ $0.0051, gpt-4o-mini ≈ $0.0006.
    fixture = await gatewayFixture(backend, {
      PROVIDER_PRIORITY_ORDER: 'anthropic,openai',
      MAX_COST_PER_REQUEST: '0.001',
    });
    const { gateway } = fixture.test.runtime;
    const result = await gateway.generate(hello);
    expect(result.provider).toBe('openai');
    expect(result.attempts[0]).toMatchObject({
      provider: 'anthropic',
      outcome: 'skipped',
      errorKind: 'over_cost',
    });
    expect(fixture.secondary.count()).toBe(0);

    // Per call, withModel narrows further: now nobody is cheap enough.
    const capped = await gateway.withModel({ maxCost: 0.0001 }, (llm) => llm.generate(hello));
    expect(capped).toMatchObject({ provider: 'local', fallback: 'all_failed' });
    expect(fixture.primary.count()).toBe(1);
  });

  it('7. reported usage × the price table = cost_usd_total, streamed or not', async () => {
    fixture = await gatewayFixture(
      backend,
      {},
      {
        primary: { usage: { input: 1200, output: 300, cached: 200 } },
        secondary: { usage: { input: 1000, output: 500, cached: 100 } },
      },
    );
    const { runtime } = fixture.test;
    const ids = await fixture.turn('cost-co');
    const streamed: string[] = [];
    const results = [
      await runtime.gateway.generate({ ...hello, ...ids }),
      await runtime.gateway.generate({
        ...hello,
        ...ids,
        stream: true,
        onText: (t) => streamed.push(t),
      }),
      await runtime.gateway.generate({ ...hello, ...ids }, { providers: ['anthropic'] }),
      await runtime.gateway.generate(
        { ...hello, ...ids, stream: true },
        { providers: ['anthropic'] },
      ),
    ];
    expect(streamed.join('')).toBe(results[1]?.text);
    expect(streamed.length).toBeGreaterThan(1);
    for (const result of results.slice(0, 2)) {
      expect(result.usage).toEqual({
        inputTokens: 1200,
        outputTokens: 300,
        cachedInputTokens: 200,
      });
    }
    for (const result of results.slice(2)) {
      expect(result.usage).toEqual({
        inputTokens: 1000,
        outputTokens: 500,
        cachedInputTokens: 100,
      });
    }

    const prices = await listPrices(runtime.database.db);
    const priceOf = (provider: string, model: string) => {
      const price = prices.find((p) => p.provider === provider && p.model === model);
      if (!price) throw new Error(`no price for ${provider}/${model}`);
      return price;
    };
    const expectedOpenai =
      2 *
      costOf(priceOf('openai', 'gpt-4o-mini'), {
        inputTokens: 1200,
        outputTokens: 300,
        cachedInputTokens: 200,
      });
    const expectedAnthropic =
      2 *
      costOf(priceOf('anthropic', 'claude-haiku-4-5'), {
        inputTokens: 1000,
        outputTokens: 500,
        cachedInputTokens: 100,
      });
    // By hand, gpt-4o-mini: (1000 × 0.15 + 200 × 0.075 + 300 × 0.60) / 1e6 = $0.000345 per call.
    expect(expectedOpenai).toBeCloseTo(2 * 0.000345, 12);

    const metric = await runtime.metrics.registry.getSingleMetric('cost_usd_total')?.get();
    const spentOn = (provider: string) =>
      metric?.values.find((v) => v.labels.tenant === 'cost-co' && v.labels.provider === provider)
        ?.value;
    expect(spentOn('openai')).toBeCloseTo(expectedOpenai, 12);
    expect(spentOn('anthropic')).toBeCloseTo(expectedAnthropic, 12);

    const [stored] = await rows<{ total: string }>(
      runtime.database.db,
      `select sum(cost_usd) as total from llm_attempts where turn_id = '${ids.turnId}'`,
    );
    expect(Number(stored?.total)).toBeCloseTo(expectedOpenai + expectedAnthropic, 8);

    const tokens = await runtime.metrics.registry.getSingleMetric('llm_tokens_by_model')?.get();
    expect(
      tokens?.values.find((v) => v.labels.model === 'gpt-4o-mini' && v.labels.type === 'output')
        ?.value,
    ).toBe(600);
  });

  it('8. FALLBACK_MODE: no request reaches a provider; the tenant’s canned response answers', async () => {
    fixture = await gatewayFixture(backend, { FALLBACK_MODE: 'true' });
    const { gateway, database } = fixture.test.runtime;
    const ids = await fixture.turn('canned-co');
    await rows(
      database.db,
      `update tenants set settings = '{"canned_responses": {"greeting": "Olá! Aqui é a Canned Co."}}' where id = '${ids.tenantId}'`,
    );
    const greeting = await gateway.generate({
      messages: [{ role: 'user', content: 'Oi, bom dia' }],
      ...ids,
    });
    expect(greeting).toMatchObject({
      provider: 'local',
      fallback: 'fallback_mode',
      intent: 'greeting',
    });
    expect(greeting.text).toBe(
      'Olá! Aqui é a Canned Co. Se preferir, posso chamar um atendente humano: é só responder "atendente".',
    );
    const human = await gateway.generate({
      messages: [{ role: 'user', content: 'quero falar com um atendente' }],
    });
    expect(human).toMatchObject({ provider: 'local', intent: 'human_request' });
    expect(fixture.primary.count() + fixture.secondary.count()).toBe(0);
  });
});
