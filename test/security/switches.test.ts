import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import {
  createApiKey,
  createTenant,
  readSwitches,
  setInstanceSwitch,
  switchDefaults,
} from '../../src/tenancy/index.ts';
import { type Harness, openHarness } from '../pipeline/harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { TEST_DATABASE_URL, TEST_SECRET_KEY } from '../support/services.ts';
import { rows } from '../support/sql.ts';

const CLI = { type: 'cli' } as const;

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 8_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

describe('maintenance partial: existing conversations continue, new contacts get the message', () => {
  let harness: Harness;
  afterEach(async () => harness?.close());

  it('answers an existing conversation normally and a new one with the maintenance message', async () => {
    harness = await openHarness('postgres');
    const { db } = harness.test.runtime.database;
    const replies = async (contact: string, count: number) => {
      const sent = await harness.send(contact, `hello from ${contact} #${count}`);
      expect(sent.status).toBe(202);
      return eventually(
        () => harness.repliesFor((sent.body as { conversation_id: string }).conversation_id),
        (found) => found.length >= count,
      );
    };
    expect((await replies('known', 1)).map((r) => r.body)).toEqual(['eco: hello from known #1']);

    await setInstanceSwitch(db, 'maintenance', 'partial', CLI);
    expect((await replies('known', 2))[1]?.body).toBe('eco: hello from known #2');
    const stranger = await replies('stranger', 1);
    expect(stranger[0]?.body).toMatch(/^Estamos em manutenção/);
    // Still in maintenance: a second message of the new contact gets the message again.
    expect((await replies('stranger', 2))[1]?.body).toMatch(/^Estamos em manutenção/);
    const turns = await rows<{ agent: string }>(db, `select agent from turns order by started_at`);
    expect(turns.map((t) => t.agent)).toEqual(['echo', 'echo', 'maintenance', 'maintenance']);

    // The tenant's own message wins over the default.
    await rows(
      db,
      `update tenants set settings = settings || '{"maintenance_message": "Voltamos às 14h."}'`,
    );
    expect((await replies('another', 1))[0]?.body).toBe('Voltamos às 14h.');

    await setInstanceSwitch(db, 'maintenance', 'off', CLI);
    expect((await replies('latecomer', 1))[0]?.body).toBe('eco: hello from latecomer #1');
    // Nothing was lost: every inbound was answered exactly once.
    const [counts] = await rows<{ inbound: number; outbound: number }>(
      db,
      `select count(*) filter (where direction = 'inbound')::int as inbound,
              count(*) filter (where direction = 'outbound')::int as outbound from messages`,
    );
    expect(counts).toEqual({ inbound: 6, outbound: 6 });
  });
});

describe('maintenance full: 503 except health, metrics and admins', () => {
  let test: TestRuntime;
  let server: OmniServer;
  afterEach(async () => {
    await server?.app.close();
    await test?.close();
  });

  it('refuses everything else with a maintenance body, and comes back without a restart', async () => {
    test = await openTestRuntime('pglite', { EMAIL_WEBHOOK_TOKEN: 'mail-token' });
    server = await buildServer(test.runtime);
    const { db } = test.runtime.database;
    const tenant = await createTenant(db, { slug: 'acme' }, CLI);
    const writer = (await createApiKey(db, { tenantId: tenant.id }, CLI)).key;
    const admin = (await createApiKey(db, { tenantId: tenant.id, permissions: ['admin'] }, CLI))
      .key;
    const send = (key: string) =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: { 'x-api-key': key },
        payload: { contact: { id: 'c1' }, text: 'oi' },
      });

    await setInstanceSwitch(db, 'maintenance', 'full', CLI);
    const refused = await send(writer);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.json().error).toMatchObject({ code: 'maintenance' });
    expect(refused.json().error.message).toMatch(/maintenance/);
    const webhook = await server.app.inject({
      method: 'POST',
      url: '/webhooks/email/acme?token=mail-token',
      payload: {},
    });
    expect(webhook.statusCode).toBe(503);
    expect((await server.app.inject({ url: '/' })).statusCode).toBe(503);
    for (const url of ['/health', '/health/db', '/readyz', '/metrics'])
      expect((await server.app.inject({ url })).statusCode, url).toBe(200);
    // Admins keep operating, and nothing was stored for the refused request.
    const asAdmin = await server.app.inject({
      url: '/api/v1/tenants/acme',
      headers: { 'x-api-key': admin },
    });
    expect(asAdmin.statusCode).toBe(200);
    expect(await rows(db, 'select id from messages')).toHaveLength(0);

    await setInstanceSwitch(db, 'maintenance', 'off', CLI);
    expect((await send(writer)).statusCode).toBe(202);
  });
});

describe('fallback switch', () => {
  let test: TestRuntime;
  afterEach(async () => test?.close());

  it('sends every call to the canned answers while on, without a restart', async () => {
    test = await openTestRuntime('pglite');
    const { gateway, database } = test.runtime;
    const ask = () => gateway.generate({ messages: [{ role: 'user', content: 'oi' }] });
    expect((await ask()).fallback).toBe('no_provider');
    await setInstanceSwitch(database.db, 'fallback', true, CLI);
    expect((await ask()).fallback).toBe('fallback_mode');
    await setInstanceSwitch(database.db, 'fallback', false, CLI);
    expect((await ask()).fallback).toBe('no_provider');
    const audit = await rows<{ action: string }>(
      database.db,
      `select action from audit_logs where action like 'switch.%' order by id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['switch.fallback', 'switch.fallback']);
  });
});

describe.skipIf(!TEST_DATABASE_URL)('switches across processes', () => {
  let database: TestDatabase;
  const runtimes: Runtime[] = [];
  const servers: OmniServer[] = [];
  afterEach(async () => {
    for (const server of servers) await server.app.close();
    for (const runtime of runtimes) await runtime.close();
    await database?.drop();
  });

  it('a switch set by one process reaches another without a restart (re-read every SWITCH_REFRESH_MS)', async () => {
    database = await createTestDatabase();
    const config = loadConfig({ DATABASE_URL: database.url, OMNI_SECRET_KEY: TEST_SECRET_KEY });
    for (let i = 0; i < 2; i++) {
      const runtime = await openRuntime(config, { logger: createLogger('silent') });
      runtimes.push(runtime);
      servers.push(await buildServer(runtime));
    }
    const [api, cli] = runtimes as [Runtime, Runtime];
    const tenant = await createTenant(api.database.db, { slug: 'acme' }, CLI);
    const { key } = await createApiKey(api.database.db, { tenantId: tenant.id }, CLI);
    const get = () =>
      (servers[0] as OmniServer).app.inject({
        url: '/api/v1/tenants/acme',
        headers: { 'x-api-key': key },
      });
    expect((await get()).statusCode).toBe(200);

    for (const [mode, status] of [
      ['full', 503],
      ['off', 200],
    ] as const) {
      await setInstanceSwitch(cli.database.db, 'maintenance', mode, CLI);
      const answer = await eventually(get, (r) => r.statusCode === status);
      expect(answer.statusCode).toBe(status);
    }
    await setInstanceSwitch(cli.database.db, 'integrations', false, CLI);
    const seen = await eventually(
      () => readSwitches(api.database.db, switchDefaults(api.config)),
      (s) => !s.integrations,
    );
    expect(seen).toEqual({ maintenance: 'off', integrations: false, fallback: false });
  });
});
