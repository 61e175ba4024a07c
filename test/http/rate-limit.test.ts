import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createApiKey, createTenant } from '../../src/tenancy/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { freshRedis, testRedisUrl } from '../support/redis.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/services.ts';

const get = (server: OmniServer, key: string) =>
  server.app.inject({ url: '/api/v1/tenants/acme', headers: { 'x-api-key': key } });

describe('rate limits', () => {
  let test: TestRuntime;
  let server: OmniServer;
  afterEach(async () => {
    await server?.app.close();
    await test?.close();
  });

  it('refuses the request over RATE_LIMIT_PER_MINUTE with 429 and Retry-After, per key', async () => {
    test = await openTestRuntime('pglite', { RATE_LIMIT_PER_MINUTE: '5' });
    server = await buildServer(test.runtime);
    const { db } = test.runtime.database;
    const tenant = await createTenant(db, { slug: 'acme' }, { type: 'system' });
    const busy = (await createApiKey(db, { tenantId: tenant.id }, { type: 'system' })).key;
    const calm = (await createApiKey(db, { tenantId: tenant.id }, { type: 'system' })).key;

    for (let i = 0; i < 5; i++) expect((await get(server, busy)).statusCode).toBe(200);
    const refused = await get(server, busy);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().error).toMatchObject({ code: 'rate_limited' });
    expect((await get(server, calm)).statusCode).toBe(200);
    expect(
      await test.runtime.metrics.registry.getSingleMetricAsString('rate_limit_exceeded_total'),
    ).toContain('rate_limit_exceeded_total{scope="api_key"} 1');
    // Health and metrics are never limited: probes must always get through.
    for (let i = 0; i < 10; i++)
      expect((await server.app.inject({ url: '/health' })).statusCode).toBe(200);
  });
});

describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)('rate limits shared through Redis', () => {
  let database: TestDatabase;
  const runtimes: Runtime[] = [];
  const servers: OmniServer[] = [];
  afterEach(async () => {
    for (const server of servers) await server.app.close();
    for (const runtime of runtimes) await runtime.close();
    await database?.drop();
  });

  it('counts one budget across two API processes', async () => {
    database = await createTestDatabase();
    (await freshRedis(10)).disconnect();
    const config = loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(10),
      RATE_LIMIT_PER_MINUTE: '6',
    });
    for (let i = 0; i < 2; i++) {
      const runtime = await openRuntime(config, { logger: createLogger('silent') });
      runtimes.push(runtime);
      servers.push(await buildServer(runtime));
    }
    const [first, second] = servers as [OmniServer, OmniServer];
    const { db } = (runtimes[0] as Runtime).database;
    const tenant = await createTenant(db, { slug: 'acme' }, { type: 'system' });
    const { key } = await createApiKey(db, { tenantId: tenant.id }, { type: 'system' });
    for (let i = 0; i < 3; i++) {
      expect((await get(first, key)).statusCode).toBe(200);
      expect((await get(second, key)).statusCode).toBe(200);
    }
    expect((await get(first, key)).statusCode).toBe(429);
    expect((await get(second, key)).statusCode).toBe(429);
  });
});
