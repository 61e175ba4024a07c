import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createApiKey, createTenant, createUser } from '../../src/tenancy/index.ts';
import { eventually } from '../support/eventually.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { freshRedis, testRedisUrl } from '../support/redis.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import {
  TEST_DATABASE_URL,
  TEST_EGRESS_ALLOW,
  TEST_REDIS_URL,
  TEST_SECRET_KEY,
} from '../support/services.ts';
import { type FaultyProxy, startProxy } from '../support/tcp-proxy.ts';

const SYSTEM = { type: 'system' } as const;

const get = (server: OmniServer, key: string) =>
  server.app.inject({ url: '/api/v1/tenants/acme', headers: { 'x-api-key': key } });

const exceeded = async (runtime: Runtime) =>
  runtime.metrics.registry.getSingleMetricAsString('rate_limit_exceeded_total');

describe('rate limits', () => {
  let test: TestRuntime;
  let server: OmniServer;
  afterEach(async () => {
    await server?.app.close();
    await test?.close();
  });

  it('refuses the 61st request of a minute with RATE_LIMIT_PER_MINUTE=60: 429 with Retry-After, per key', async () => {
    test = await openTestRuntime('pglite', { RATE_LIMIT_PER_MINUTE: '60' });
    server = await buildServer(test.runtime);
    const { db } = test.runtime.database;
    const tenant = await createTenant(db, { slug: 'acme' }, SYSTEM);
    const busy = (await createApiKey(db, { tenantId: tenant.id }, SYSTEM)).key;
    const calm = (await createApiKey(db, { tenantId: tenant.id }, SYSTEM)).key;

    for (let i = 0; i < 60; i++) expect((await get(server, busy)).statusCode).toBe(200);
    const refused = await get(server, busy);
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.json().error).toMatchObject({ code: 'rate_limited' });
    expect((await get(server, calm)).statusCode).toBe(200);
    expect(await exceeded(test.runtime)).toContain('rate_limit_exceeded_total{scope="api_key"} 1');
    // Health and metrics are never limited: probes must always get through.
    for (let i = 0; i < 70; i++)
      expect((await server.app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('limits anonymous callers per address before touching the database, and sessions per user', async () => {
    test = await openTestRuntime('pglite', { RATE_LIMIT_PER_MINUTE: '5' });
    server = await buildServer(test.runtime);
    const { db } = test.runtime.database;
    const tenant = await createTenant(db, { slug: 'acme' }, SYSTEM);
    await createUser(
      db,
      {
        tenantId: tenant.id,
        email: 'op@acme.test',
        password: 'correct horse battery',
        fullName: 'op',
        role: 'operator',
      },
      SYSTEM,
    );
    const login = (ip: string) =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'op@acme.test', password: 'correct horse battery' },
        remoteAddress: ip,
      });
    for (let i = 0; i < 5; i++) expect((await login('10.0.0.1')).statusCode).toBe(200);
    const refused = await login('10.0.0.1');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    const fromElsewhere = await login('10.0.0.2');
    expect(fromElsewhere.statusCode).toBe(200);
    const cookie = /omni_session=[^;]+/.exec(String(fromElsewhere.headers['set-cookie']))?.[0];
    for (let i = 0; i < 5; i++) {
      const me = await server.app.inject({
        url: '/api/v1/auth/me',
        headers: { cookie: cookie ?? '' },
        remoteAddress: '10.0.0.5',
      });
      expect(me.statusCode).toBe(200);
    }
    const sixth = await server.app.inject({
      url: '/api/v1/auth/me',
      headers: { cookie: cookie ?? '' },
      remoteAddress: '10.0.0.3',
    });
    expect(sixth.statusCode).toBe(429);
    // Guessing keys spends the address's budget too, and then even a good key from it waits.
    const { key } = await createApiKey(db, { tenantId: tenant.id }, SYSTEM);
    const guess = (apiKey: string) =>
      server.app.inject({
        url: '/api/v1/auth/me',
        headers: { 'x-api-key': apiKey },
        remoteAddress: '10.0.0.4',
      });
    for (let i = 0; i < 5; i++)
      expect((await guess(`sk_guess${i}aaaaaaaaaa`)).statusCode).toBe(401);
    expect((await guess('sk_guess5aaaaaaaaaa')).statusCode).toBe(429);
    expect((await guess(key)).statusCode).toBe(429);
    const metric = await exceeded(test.runtime);
    expect(metric).toContain('scope="ip"} 3');
    expect(metric).toContain('scope="user"} 1');
  });

  it('limits webhooks per tenant: a flood on one tenant does not starve another', async () => {
    test = await openTestRuntime('pglite', {
      WEBHOOK_RATE_LIMIT_PER_MINUTE: '3',
      EMAIL_WEBHOOK_TOKEN: 'mail-token',
    });
    server = await buildServer(test.runtime);
    const post = (tenant: string) =>
      server.app.inject({
        method: 'POST',
        url: `/webhooks/email/${tenant}?token=wrong`,
        payload: {},
      });
    for (let i = 0; i < 3; i++) expect((await post('flooded')).statusCode).not.toBe(429);
    const refused = await post('flooded');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect((await post('quiet')).statusCode).not.toBe(429);
    // The tenant API has its own budget.
    expect(
      (await server.app.inject({ url: '/api/v1/auth/me', remoteAddress: '127.0.0.1' })).statusCode,
    ).toBe(401);
    expect(await exceeded(test.runtime)).toContain('scope="webhook"} 1');
  });
});

describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)('rate limits shared through Redis', () => {
  let database: TestDatabase;
  const runtimes: Runtime[] = [];
  const servers: OmniServer[] = [];
  let proxy: FaultyProxy | undefined;
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.app.close();
    for (const runtime of runtimes.splice(0)) await runtime.close();
    await proxy?.close();
    await database?.drop();
  });

  it('counts one budget across two API processes', async () => {
    database = await createTestDatabase();
    (await freshRedis(10)).disconnect();
    const config = loadConfig({
      DATABASE_URL: database.url,
      OMNI_SECRET_KEY: TEST_SECRET_KEY,
      EGRESS_ALLOW: TEST_EGRESS_ALLOW,
      REDIS_URL: testRedisUrl(10),
      RATE_LIMIT_PER_MINUTE: '60',
    });
    for (let i = 0; i < 2; i++) {
      const runtime = await openRuntime(config, { logger: createLogger('silent') });
      runtimes.push(runtime);
      servers.push(await buildServer(runtime));
    }
    const [first, second] = servers as [OmniServer, OmniServer];
    const { db } = (runtimes[0] as Runtime).database;
    const tenant = await createTenant(db, { slug: 'acme' }, SYSTEM);
    const { key, info } = await createApiKey(db, { tenantId: tenant.id }, SYSTEM);
    for (let i = 0; i < 30; i++) {
      expect((await get(first, key)).statusCode).toBe(200);
      expect((await get(second, key)).statusCode).toBe(200);
    }
    const refused = await get(first, key);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await get(second, key)).statusCode).toBe(429);
    const redis = new Redis(testRedisUrl(10));
    expect(await redis.exists(`omni:ratelimit:api:key:${info.id}`)).toBe(1);
    redis.disconnect();
  });

  it('counts in each process while Redis is away: never a 500, still a limit, shared again after', async () => {
    database = await createTestDatabase();
    (await freshRedis(10)).disconnect();
    const direct = new URL(testRedisUrl(10));
    proxy = await startProxy(direct.hostname, Number(direct.port || 6379));
    direct.hostname = '127.0.0.1';
    direct.port = String(proxy.port);
    const runtime = await openRuntime(
      loadConfig({
        DATABASE_URL: database.url,
        OMNI_SECRET_KEY: TEST_SECRET_KEY,
        REDIS_URL: direct.toString(),
        RATE_LIMIT_PER_MINUTE: '5',
      }),
      { logger: createLogger('silent') },
    );
    runtimes.push(runtime);
    const server = await buildServer(runtime);
    servers.push(server);
    const tenant = await createTenant(runtime.database.db, { slug: 'acme' }, SYSTEM);
    const { key } = await createApiKey(runtime.database.db, { tenantId: tenant.id }, SYSTEM);
    expect((await get(server, key)).statusCode).toBe(200);

    await proxy.cut();
    const during: number[] = [];
    for (let i = 0; i < 6; i++) during.push((await get(server, key)).statusCode);
    // The in-process budget starts afresh: five pass, the sixth is refused.
    expect(during).toEqual([200, 200, 200, 200, 200, 429]);

    await proxy.restore();
    // Back on Redis, whose count (one request) resumes: four more pass, then 429.
    await eventually(() => runtime.redis?.client.status === 'ready', 15_000, 'Redis reconnected');
    const after: number[] = [];
    for (let i = 0; i < 5; i++) after.push((await get(server, key)).statusCode);
    expect(after).toEqual([200, 200, 200, 200, 429]);
  });
});
