/** Recovery drills (SPEC §4.1, §4.5): the database or Redis goes away while messages are in flight. */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { setPaused } from '../../src/pipeline/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createApiKey } from '../../src/tenancy/index.ts';
import { createAcmeDeliveringTo } from '../support/acme-tenant.ts';
import { createProxiedTestDatabase, type ProxiedDatabase } from '../support/postgres.ts';
import { testRedisUrl } from '../support/redis.ts';
import { echoResponder } from '../support/responder.ts';
import {
  TEST_DATABASE_URL,
  TEST_EGRESS_ALLOW,
  TEST_REDIS_URL,
  TEST_SECRET_KEY,
} from '../support/services.ts';
import { startWebhookSim, type WebhookSim } from '../support/webhook-sim.ts';
import { countRows, type Harness, openHarness, QUEUE_BACKENDS } from './harness.ts';

describe.skipIf(!TEST_REDIS_URL)('a Redis flush while messages are in flight', () => {
  let harness: Harness;
  afterEach(() => harness?.close());

  it('loses nothing: the sweeper re-creates the work and every message is answered once', async () => {
    harness = await openHarness('redis', { redisDb: 5 });
    const { deps } = harness.test.runtime.pipeline;
    await setPaused(deps, 'inbound', true, 'test');
    await sleep(1_500);
    for (let i = 0; i < 5; i++) await harness.send(`flush-${i}`, `mensagem ${i}`);
    const redis = new Redis(testRedisUrl(5));
    expect(await redis.xlen('omni.messages')).toBe(5);
    await redis.flushdb();
    expect(await redis.xlen('omni.messages')).toBe(0);
    await setPaused(deps, 'inbound', false, 'test');
    await expect.poll(() => harness.webhook.deliveries.length, { timeout: 20_000 }).toBe(5);
    await sleep(1_000);
    expect(harness.webhook.deliveries).toHaveLength(5);
    expect(harness.echo.calls).toHaveLength(5);
    expect(await harness.metric('sweeper_requeued_total')).toBeGreaterThanOrEqual(5);

    // And again between the reply's commit and its send.
    await setPaused(deps, 'dispatcher', true, 'test');
    await sleep(1_500);
    await harness.send('flush-late', 'depois do flush');
    await expect
      .poll(
        () => countRows(harness, "select count(*) as n from outbox where status = 'pendente'"),
        { timeout: 10_000 },
      )
      .toBe(1);
    await redis.flushdb();
    await setPaused(deps, 'dispatcher', false, 'test');
    await expect.poll(() => harness.webhook.deliveries.length, { timeout: 20_000 }).toBe(6);
    redis.disconnect();
  });
});

describe.skipIf(!TEST_DATABASE_URL).each(QUEUE_BACKENDS)(
  'the database down during a webhook (%s queue)',
  (backend) => {
    let database: ProxiedDatabase;
    let runtime: Runtime;
    let server: OmniServer;
    let webhook: WebhookSim;
    afterEach(async () => {
      await server?.app.close();
      await runtime?.close();
      await webhook?.close();
      await database?.drop();
    });

    it('answers 503 and acknowledges nothing; the channel’s retry after recovery is answered', async () => {
      database = await createProxiedTestDatabase();
      const { proxy } = database;
      const echo = echoResponder();
      runtime = await openRuntime(
        loadConfig({
          DATABASE_URL: database.proxiedUrl,
          OMNI_SECRET_KEY: TEST_SECRET_KEY,
          EGRESS_ALLOW: TEST_EGRESS_ALLOW,
          DEBOUNCE_MS: '0',
          DEBOUNCE_MAX_MS: '0',
          QUEUE_CLAIM_IDLE_MS: '1000',
          ...(backend === 'redis' ? { QUEUE_BACKEND: 'redis', REDIS_URL: testRedisUrl(7) } : {}),
        }),
        { logger: createLogger('silent'), responder: echo.responder },
      );
      server = await buildServer(runtime);
      webhook = await startWebhookSim();
      const { db } = runtime.database;
      const tenant = await createAcmeDeliveringTo(db, webhook.url);
      const { key } = await createApiKey(db, { tenantId: tenant.id }, { type: 'system' });
      const workers = runtime.pipeline.startWorkers(['inbound', 'dispatcher']);
      const send = () =>
        server.app.inject({
          method: 'POST',
          url: '/api/v1/messages',
          headers: { 'x-api-key': key },
          payload: {
            contact: { id: '+5511988887777' },
            text: 'tem alguém aí?',
            external_id: 'evt-1',
          },
        });

      await proxy.cut();
      const refused = await send();
      expect(refused.statusCode).toBe(503);
      expect(refused.json().error.code).toBe('service_unavailable');
      expect(refused.headers['retry-after']).toBeDefined();

      await proxy.restore();
      const accepted = await send();
      expect(accepted.statusCode).toBe(202);
      await expect.poll(() => webhook.deliveries.length, { timeout: 15_000 }).toBe(1);
      expect(webhook.deliveries[0]?.body.text).toBe('eco: tem alguém aí?');
      // The channel retries again (it never saw our 202): acknowledged, not processed twice.
      const redelivered = await send();
      expect(redelivered.statusCode).toBe(200);
      expect(redelivered.json().duplicate).toBe(true);
      await sleep(500);
      expect(webhook.deliveries).toHaveLength(1);
      await workers.stop();
    });
  },
);
