import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createApiKey, createTenant } from '../../src/tenancy/index.ts';
import { createProxiedTestDatabase, type ProxiedDatabase } from '../support/postgres.ts';
import { freshRedis, testRedisUrl } from '../support/redis.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import {
  BACKENDS,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  TEST_SECRET_KEY,
} from '../support/services.ts';
import { type FaultyProxy, startProxy } from '../support/tcp-proxy.ts';

/** Only PING and the queue's groups: the database this file's Redis-queue process uses. */
const REDIS_DB = 8;

describe.each(BACKENDS)('health and basics on %s', (backend) => {
  let test: TestRuntime;
  let server: OmniServer;
  let adminKey: string;
  beforeAll(async () => {
    test = await openTestRuntime(backend, { BODY_LIMIT_BYTES: '1024' });
    server = await buildServer(test.runtime);
    const { db } = test.runtime.database;
    const tenant = await createTenant(db, { slug: 'acme' }, { type: 'system' });
    adminKey = (
      await createApiKey(db, { tenantId: tenant.id, permissions: ['admin'] }, { type: 'system' })
    ).key;
  });
  afterAll(async () => {
    await server?.app.close();
    await test?.close();
  });

  it('answers 200 with the database connected under every health path', async () => {
    for (const url of ['/health', '/api/health', '/healthz', '/admin/metricas/health']) {
      const response = await server.app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ status: 'ok', database: 'connected', version: '0.1.0' });
      expect(body.components.database).toMatchObject({
        status: 'up',
        kind: test.runtime.database.kind,
      });
      expect(Date.parse(body.timestamp)).not.toBeNaN();
    }
  });

  it('reports the database alone at /health/db, and readiness at /readyz', async () => {
    const db = await server.app.inject({ url: '/health/db' });
    expect(db.statusCode).toBe(200);
    expect(db.json()).toMatchObject({ status: 'ok', database: 'connected' });
    const ready = await server.app.inject({ url: '/readyz' });
    expect(ready.json()).toEqual({ ready: true, draining: false, database: 'up' });
    server.lifecycle.draining = true;
    expect((await server.app.inject({ url: '/readyz' })).statusCode).toBe(503);
    server.lifecycle.draining = false;
  });

  it('says Redis is not configured when it is not', async () => {
    const response = await server.app.inject({ url: '/health/redis' });
    expect(response.json()).toMatchObject({ redis: 'not_configured' });
    expect((await server.app.inject({ url: '/health' })).json()).not.toHaveProperty('redis');
  });

  it('tells its version', async () => {
    const response = await server.app.inject({ url: '/version' });
    expect(response.json()).toMatchObject({ name: 'omni', version: '0.1.0' });
  });

  it('serves Prometheus text under both paths, with process metrics and pg_up', async () => {
    await server.app.inject({ url: '/health' });
    for (const url of ['/metrics', '/api/monitoring/metrics']) {
      const response = await server.app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/plain');
      expect(response.body).toContain('process_resident_memory_bytes');
      expect(response.body).toMatch(/^pg_up 1$/m);
      expect(response.body).toMatch(
        /http_requests_total\{method="GET",route="\/health",status="200"\} \d+/,
      );
      expect(response.body).not.toContain('redis_up');
    }
  });

  it("serves the same metrics as a JSON snapshot under the seeds' performance paths", async () => {
    for (const url of ['/api/monitoring/performance', '/admin/metricas/performance']) {
      const response = await server.app.inject({ url });
      expect(response.statusCode).toBe(200);
      const snapshot = response.json() as {
        metrics: Array<{ name: string; values: Array<{ value: number }> }>;
      };
      const pgUp = snapshot.metrics.find((m) => m.name === 'pg_up');
      expect(pgUp?.values[0]?.value).toBe(1);
      expect(snapshot.metrics.map((m) => m.name)).toContain('process_memory_limit_bytes');
    }
  });

  it('gives every answer a request id, keeping a safe one the caller sent', async () => {
    const generated = await server.app.inject({ url: '/version' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await server.app.inject({
      url: '/version',
      headers: { 'x-request-id': 'lb-1234.abc' },
    });
    expect(kept.headers['x-request-id']).toBe('lb-1234.abc');
    const forged = await server.app.inject({
      url: '/version',
      headers: { 'x-request-id': 'x\n{"level":"fatal"}' },
    });
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers with every answer', async () => {
    const response = await server.app.inject({ url: '/version' });
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
    });
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('answers errors in one format, with the request id', async () => {
    const missing = await server.app.inject({
      url: '/nowhere',
      headers: { 'x-request-id': 'req-404' },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: {
        code: 'not_found',
        message: 'There is no route GET /nowhere.',
        request_id: 'req-404',
      },
    });
  });

  it('refuses bodies over the limit with 413', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
      payload: JSON.stringify({ name: 'x'.repeat(2048) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
  });

  it('publishes an OpenAPI document at /docs', async () => {
    const response = await server.app.inject({ url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/tenants/{id}', '/api/v1/keys', '/api/v1/keys/{id}']),
    );
  });
});

describe('metrics switched off', () => {
  it('serves no /metrics when PROMETHEUS_ENABLED=false', async () => {
    const test = await openTestRuntime('pglite', { PROMETHEUS_ENABLED: 'false' });
    const { app } = await buildServer(test.runtime);
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(404);
    await app.close();
    await test.close();
  });
});

/** The acceptance drill: the database goes away while Omni runs, then comes back. */
describe.skipIf(!TEST_DATABASE_URL)('a PostgreSQL outage', () => {
  let database: ProxiedDatabase;
  let proxy: FaultyProxy;
  let runtime: Runtime;
  let server: OmniServer;
  beforeAll(async () => {
    database = await createProxiedTestDatabase();
    proxy = database.proxy;
    runtime = await openRuntime(
      loadConfig({
        DATABASE_URL: database.proxiedUrl,
        OMNI_SECRET_KEY: TEST_SECRET_KEY,
        LOG_LEVEL: 'silent',
      }),
      {
        logger: createLogger('silent'),
      },
    );
    server = await buildServer(runtime);
  });
  afterAll(async () => {
    await server?.app.close();
    await runtime?.close();
    await database?.drop();
  });

  it('turns /health to 503 and says why, then back to 200 without a restart', async () => {
    expect((await server.app.inject({ url: '/health' })).statusCode).toBe(200);

    await proxy.cut();
    const down = await server.app.inject({ url: '/health' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'down', database: 'disconnected' });
    const db = await server.app.inject({ url: '/health/db' });
    expect(db.statusCode).toBe(503);
    expect(db.json().error).toMatch(/ECONNREFUSED|terminated|timeout|did not answer/i);
    expect((await server.app.inject({ url: '/readyz' })).statusCode).toBe(503);
    expect((await server.app.inject({ url: '/metrics' })).body).toMatch(/^pg_up 0$/m);
    const api = await server.app.inject({
      url: '/api/v1/keys',
      headers: { 'x-api-key': 'sk_whatever_key' },
    });
    expect(api.statusCode).toBe(503);
    expect(api.json().error.code).toBe('service_unavailable');

    await proxy.restore();
    const up = await server.app.inject({ url: '/health' });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({ status: 'ok', database: 'connected' });
  });
});

describe.skipIf(!TEST_REDIS_URL)('Redis in the health report', () => {
  let proxy: FaultyProxy;
  let test: TestRuntime;
  let server: OmniServer;
  beforeAll(async () => {
    const redis = new URL(TEST_REDIS_URL as string);
    proxy = await startProxy(redis.hostname, Number(redis.port || 6379));
    test = await openTestRuntime('pglite', { REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    server = await buildServer(test.runtime);
  });
  afterAll(async () => {
    await server?.app.close();
    await test?.close();
    await proxy?.close();
  });

  it('reports Redis connected, and degraded (still 200) while it is down', async () => {
    const healthy = await server.app.inject({ url: '/health' });
    expect(healthy.json()).toMatchObject({
      status: 'ok',
      database: 'connected',
      redis: 'connected',
    });
    expect((await server.app.inject({ url: '/metrics' })).body).toMatch(/^redis_up 1$/m);

    await proxy.cut();
    const degraded = await server.app.inject({ url: '/health' });
    expect(degraded.statusCode).toBe(200);
    expect(degraded.json()).toMatchObject({ status: 'degraded', redis: 'disconnected' });
    expect((await server.app.inject({ url: '/health/redis' })).statusCode).toBe(503);
    // This process needs no Redis to take messages (its queue is the database): still ready.
    const ready = await server.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ready: true, redis: 'down' });

    await proxy.restore();
    await expect
      .poll(async () => (await server.app.inject({ url: '/health' })).json().redis, {
        timeout: 10_000,
      })
      .toBe('connected');
  });
});

describe.skipIf(!TEST_REDIS_URL)(
  'Redis in the health of a process whose workers claim from it',
  () => {
    let proxy: FaultyProxy;
    let test: TestRuntime;
    let server: OmniServer;
    let workers: { stop(): Promise<void> };
    afterAll(async () => {
      await workers?.stop();
      await server?.app.close();
      await test?.close();
      await proxy?.close();
    });

    it('is not ready (503) while Redis is down, and ready again by itself when it returns', async () => {
      (await freshRedis(REDIS_DB)).disconnect();
      const redis = new URL(testRedisUrl(REDIS_DB));
      proxy = await startProxy(redis.hostname, Number(redis.port || 6379));
      test = await openTestRuntime('pglite', {
        REDIS_URL: `redis://127.0.0.1:${proxy.port}/${REDIS_DB}`,
        QUEUE_BACKEND: 'redis',
      });
      server = await buildServer(test.runtime);
      workers = test.runtime.pipeline.startWorkers(['inbound']);
      expect((await server.app.inject({ url: '/readyz' })).statusCode).toBe(200);

      await proxy.cut();
      const notReady = await server.app.inject({ url: '/readyz' });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json()).toMatchObject({ ready: false, database: 'up', redis: 'down' });
      expect((await server.app.inject({ url: '/health' })).statusCode).toBe(503);

      await proxy.restore();
      await expect
        .poll(async () => (await server.app.inject({ url: '/readyz' })).statusCode, {
          timeout: 15_000,
        })
        .toBe(200);
    });
  },
);
