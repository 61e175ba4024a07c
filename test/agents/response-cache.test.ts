/**
 * The response cache: its two stores pass one conformance suite, and the agents answer a repeated
 * first FAQ question without a model call, miss after the knowledge base changes, and count both.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  normaliseQuestion,
  type ResponseCacheStore,
  redisCacheStore,
  tableCacheStore,
} from '../../src/agents/index.ts';
import { ingestDocument } from '../../src/knowledge/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { eventually } from '../support/eventually.ts';
import { testRedisUrl } from '../support/redis.ts';
import { TEST_REDIS_URL } from '../support/services.ts';
import { type AgentFixture, openAgentFixture } from './fixture.ts';
import { afterTool, callTool, isRouting, route } from './model-script.ts';

/**
 * The default Redis database, not emptied: every key this file reads or writes is under its own
 * tenant's random id (`cache:<tenant>:…`), so sharing the database with other files is safe.
 */
const REDIS_DB = 0;

const FAQ = `# Atendimento

## Horário

Atendemos de segunda a sexta, das 9h às 18h.
`;

const PROFILES = TEST_REDIS_URL ? (['embedded', 'scale'] as const) : (['embedded'] as const);

describe.each(PROFILES)('the response cache (%s)', (profile) => {
  let omni: AgentFixture;
  let redis: Redis | undefined;

  beforeAll(async () => {
    if (profile === 'scale') redis = new Redis(testRedisUrl(REDIS_DB));
    omni = await openAgentFixture('pglite', {
      redisUrl: profile === 'scale' ? testRedisUrl(REDIS_DB) : undefined,
    });
  }, 60_000);
  afterAll(async () => {
    await omni?.close();
    redis?.disconnect();
  });

  describe('its store', () => {
    let store: ResponseCacheStore;
    let tenants: string[];

    beforeAll(async () => {
      const { db } = omni.runtime.database;
      store = redis ? redisCacheStore(redis) : tableCacheStore(db);
      tenants = await Promise.all(
        ['store-a', 'store-b'].map(
          async (slug) => (await createTenant(db, { slug }, { type: 'system' })).id,
        ),
      );
    });

    it('returns what was stored, per tenant, and the latest value', async () => {
      const [a, b] = tenants as [string, string];
      await store.set(a, 'k1', { text: 'first', intent: 'question' }, 60);
      expect(await store.get(a, 'k1')).toEqual({ text: 'first', intent: 'question' });
      expect(await store.get(b, 'k1')).toBeUndefined();
      await store.set(a, 'k1', { text: 'second' }, 60);
      expect(await store.get(a, 'k1')).toEqual({ text: 'second' });
    });

    it('forgets an entry after its TTL', async () => {
      const [a] = tenants as [string];
      await store.set(a, 'short', { text: 'soon gone' }, 1);
      await eventually(async () => (await store.get(a, 'short')) === undefined, 10_000);
    });
  });

  it('answers a repeated first question without the model, misses after a KB change, and counts both', async () => {
    const { db } = omni.runtime.database;
    await ingestDocument(db, {
      tenantId: omni.tenantId,
      source: 'atendimento.md',
      content: FAQ,
      format: 'markdown',
    });
    let answer = 'Atendemos de segunda a sexta, das 9h às 18h [Atendimento › Horário].';
    omni.script = (request) => {
      if (isRouting(request)) return route('support', 'question', 0.95);
      if (afterTool(request)) return { answer };
      return callTool('kb_search', { query: 'horário de atendimento' });
    };
    const hits = () => cacheCount(omni, 'hit');
    const misses = () => cacheCount(omni, 'miss');
    const hitsBefore = await hits();
    const missesBefore = await misses();

    await omni.contactSays(`${profile}-ana`, 'Qual o horário de atendimento?');
    await eventually(() => omni.received().filter((t) => t.startsWith(answer)).length === 1);
    const modelCalls = omni.llm.requests.length;

    // Another contact, the same question written differently: no model call.
    await omni.contactSays(`${profile}-bia`, 'qual o HORARIO de atendimento');
    await eventually(() => omni.received().filter((t) => t.startsWith(answer)).length === 2);
    expect(omni.llm.requests.length).toBe(modelCalls);
    expect(await hits()).toBe(hitsBefore + 1);
    if (redis) expect(await redis.keys(`cache:${omni.tenantId}:*`)).toHaveLength(1);

    // The knowledge base changes: the next one asks the model again.
    await ingestDocument(db, {
      tenantId: omni.tenantId,
      source: 'atendimento.md',
      content: FAQ.replace('18h', '19h'),
      format: 'markdown',
    });
    answer = 'Atendemos de segunda a sexta, das 9h às 19h [Atendimento › Horário].';
    await omni.contactSays(`${profile}-caio`, 'Qual o horário de atendimento?');
    await eventually(() => omni.received().some((t) => t.startsWith(answer)));
    expect(omni.llm.requests.length).toBeGreaterThan(modelCalls);
    expect(await misses()).toBe(missesBefore + 2);

    const metrics = await (await fetch(`${omni.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^response_cache_requests_total\{result="hit"\} [1-9]/m);
    expect(metrics).toMatch(/^response_cache_requests_total\{result="miss"\} [1-9]/m);
  });

  it('is bypassed once the conversation has context', async () => {
    omni.script = (request) => {
      if (isRouting(request)) return route('support', 'question', 0.95);
      return { answer: `resposta ${omni.llm.requests.length}` };
    };
    const bypassesBefore = await cacheCount(omni, 'bypass');
    await omni.contactSays(`${profile}-davi`, 'Vocês abrem no sábado?');
    await eventually(() => omni.received().some((t) => t.startsWith('resposta')));
    const modelCalls = omni.llm.requests.length;
    await omni.contactSays(`${profile}-davi`, 'Vocês abrem no sábado?');
    await eventually(() => omni.llm.requests.length > modelCalls);
    expect(await cacheCount(omni, 'bypass')).toBeGreaterThan(bypassesBefore);
  });

  it('normalises case, accents and punctuation only', () => {
    expect(normaliseQuestion('  Qual o HORÁRIO, de atendimento?? ')).toBe(
      'qual o horario de atendimento',
    );
  });
});

async function cacheCount(omni: AgentFixture, result: string): Promise<number> {
  const metric = await omni.runtime.metrics.registry
    .getSingleMetric('response_cache_requests_total')
    ?.get();
  return metric?.values.find((v) => v.labels.result === result)?.value ?? 0;
}
