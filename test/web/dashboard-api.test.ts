/**
 * The dashboard's API: the inbox (filters, search, waiting time, tenant isolation), the overview's
 * numbers, the users list (admins only) and the live feed `/api/v1/events` — credentials
 * required, one tenant's events only, and with PostgreSQL a handoff made by another runtime (as
 * another process would) reaches the feed through the database's notifications.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { requestHandoff } from '../../src/handoff/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import type { RunningWorkers } from '../../src/pipeline/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createApiKey, createTenant, createUser } from '../../src/tenancy/index.ts';
import { pgliteTemplate } from '../support/database-templates.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { echoResponder } from '../support/responder.ts';
import { BACKENDS, type Backend, TEST_SECRET_KEY } from '../support/services.ts';

const FAST = { DEBOUNCE_MS: '0', DEBOUNCE_MAX_MS: '0', QUEUE_CLAIM_IDLE_MS: '1000' };
const ADMIN = { email: 'admin@acme.test', password: 'admin-password-1' };
const OPERATOR = { email: 'op@acme.test', password: 'operator-password-1' };

/** A feed client; Node's WebSocket (undici) takes request headers, which a browser would not. */
class Feed {
  readonly frames: Array<Record<string, unknown>> = [];
  readonly closed: Promise<number>;
  private readonly socket: WebSocket;

  constructor(url: string, headers: Record<string, string>) {
    const Init = WebSocket as unknown as new (url: string, init: object) => WebSocket;
    this.socket = new Init(url, { headers });
    this.socket.onmessage = (event) => this.frames.push(JSON.parse(String(event.data)));
    // A refused handshake (401) ends in an error event, not always a close.
    this.closed = new Promise((resolve) => {
      this.socket.onclose = (event) => resolve(event.code);
      this.socket.onerror = () => resolve(-1);
    });
  }

  async next(match: (frame: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (let i = 0; i < 200; i++) {
      const found = this.frames.find(match);
      if (found) return found;
      await sleep(50);
    }
    throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
  }

  close(): void {
    this.socket.close();
  }
}

describe.each(BACKENDS)('dashboard API (%s)', (backend: Backend) => {
  let database: TestDatabase | undefined;
  let api: Runtime;
  /** With PostgreSQL a second runtime acts as another process; with PGlite it is the same one. */
  let other: Runtime;
  let server: OmniServer;
  let workers: RunningWorkers;
  let baseUrl: string;
  let tenantId: string;
  let key: string;
  let otherTenantId: string;

  beforeAll(async () => {
    database = backend === 'postgres' ? await createTestDatabase() : undefined;
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      ...(database ? { DATABASE_URL: database.url, OMNI_SECRET_KEY: TEST_SECRET_KEY } : {}),
      ...FAST,
    });
    const initialData = await pgliteTemplate();
    const open = () =>
      openRuntime(config, {
        logger: createLogger('silent'),
        inMemory: true,
        initialData,
        responder: echoResponder().responder,
      });
    api = await open();
    other = database ? await open() : api;
    const { db } = api.database;
    const system = { type: 'system' } as const;
    tenantId = (await createTenant(db, { slug: 'acme' }, system)).id;
    otherTenantId = (await createTenant(db, { slug: 'globex' }, system)).id;
    key = (await createApiKey(db, { tenantId, permissions: ['read'] }, system)).key;
    for (const [user, role] of [
      [ADMIN, 'admin'],
      [OPERATOR, 'operator'],
    ] as const) {
      await createUser(db, { tenantId, ...user, fullName: role, role }, system);
    }
    server = await buildServer(api);
    baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
    workers = other.pipeline.startWorkers(['inbound', 'dispatcher']);
  });
  afterAll(async () => {
    await workers?.stop();
    await server?.app.close();
    if (other !== api) await other?.close();
    await api?.close();
    await database?.drop();
  });

  async function login(user: { email: string; password: string }): Promise<string> {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: user,
    });
    expect(response.statusCode).toBe(200);
    const cookie = response.cookies.find((c) => c.name === 'omni_session');
    return `omni_session=${cookie?.value}`;
  }

  const get = (url: string, cookie: string) =>
    server.app.inject({ url, headers: { cookie } }).then((r) => ({
      status: r.statusCode,
      body: r.json(),
    }));

  it('feeds live events of its own tenant only, from any runtime', async () => {
    const anonymous = new Feed(`${baseUrl.replace('http', 'ws')}/api/v1/events`, {});
    expect(await anonymous.closed).not.toBe(1000);

    const foreign = new Feed(`${baseUrl.replace('http', 'ws')}/api/v1/events`, {
      'x-api-key': key,
      origin: 'https://elsewhere.example',
    });
    expect(await foreign.closed).toBe(4403);

    const feed = new Feed(`${baseUrl.replace('http', 'ws')}/api/v1/events`, { 'x-api-key': key });
    await feed.next((f) => f.type === 'hello');
    const stranger = await other.pipeline.ingest({
      tenantId: otherTenantId,
      channel: 'api',
      contact: { externalId: 'x' },
      text: 'not yours',
    });
    const mine = await other.pipeline.ingest({
      tenantId,
      channel: 'api',
      contact: { externalId: 'ana', name: 'Ana Souza' },
      text: 'Preciso de ajuda',
    });
    await feed.next((f) => f.message_id === mine.messageId && f.state === 'received');
    await feed.next((f) => f.conversation_id === mine.conversationId && f.state === 'sent');
    await requestHandoff(other.database.db, {
      tenantId,
      conversationId: mine.conversationId,
      reason: 'asked for a person',
      trigger: 'escalation',
    });
    await feed.next((f) => f.type === 'conversation' && f.change === 'requested');
    expect(feed.frames.some((f) => f.conversation_id === stranger.conversationId)).toBe(false);
    feed.close();
  });

  it('lists the inbox by who is in charge, with the waiting time, and searches contacts', async () => {
    const cookie = await login(OPERATOR);
    const waiting = await get('/api/v1/inbox?filter=waiting', cookie);
    expect(waiting.status).toBe(200);
    expect(waiting.body.conversations).toHaveLength(1);
    const [entry] = waiting.body.conversations;
    expect(entry).toMatchObject({
      controlled_by: 'pending_human',
      contact: { external_id: 'ana', name: 'Ana Souza' },
    });
    expect(entry.waiting_since).toEqual(expect.any(String));
    expect(entry.last_message.author).toMatch(/contact|bot/);
    expect((await get('/api/v1/inbox?filter=bot', cookie)).body.conversations).toHaveLength(0);
    expect((await get('/api/v1/inbox?q=souza', cookie)).body.conversations).toHaveLength(1);
    expect((await get('/api/v1/inbox?q=nobody', cookie)).body.conversations).toHaveLength(0);
    // The other tenant's conversation never shows.
    expect((await get('/api/v1/inbox', cookie)).body.conversations).toHaveLength(1);
  });

  it('sums up the last hours in the overview', async () => {
    const cookie = await login(OPERATOR);
    const before = await get('/api/v1/stats/overview', cookie);
    expect(before.status).toBe(200);
    expect(before.body.channels).toEqual([{ channel: 'api', inbound: 1, outbound: 1 }]);
    // A second conversation whose contact asks for a person: a handoff, but not an escalation
    // (the bot did not give up on its own), and asked twice it is still one conversation.
    const asked = await other.pipeline.ingest({
      tenantId,
      channel: 'api',
      contact: { externalId: 'bia' },
      text: 'Quero falar com uma pessoa',
    });
    for (let i = 0; i < 2; i++) {
      await requestHandoff(other.database.db, {
        tenantId,
        conversationId: asked.conversationId,
        reason: 'human_request: the contact asked for a person',
        trigger: 'escalation',
      });
    }
    const { body } = await get('/api/v1/stats/overview', cookie);
    expect(body).toMatchObject({
      conversations_started: 2,
      handoffs: 2,
      handoff_rate: 1,
      escalations: 1,
      escalation_rate: 0.5,
      dlq_size: 0,
    });
    expect(body.first_reply_ms.count).toBeGreaterThanOrEqual(1);
    expect(body.first_reply_ms.p50).toEqual(expect.any(Number));
    expect(body.hourly.length).toBeGreaterThan(0);
  });

  it('shows the users to admins only', async () => {
    const admin = await get('/api/v1/users', await login(ADMIN));
    expect(admin.status).toBe(200);
    expect(admin.body.users.map((u: { email: string }) => u.email).sort()).toEqual([
      ADMIN.email,
      OPERATOR.email,
    ]);
    const operator = await login(OPERATOR);
    expect((await get('/api/v1/users', operator)).status).toBe(403);
    // Setting a password is an admin's act too (the CSRF check comes after the role check).
    const target = admin.body.users.find((u: { email: string }) => u.email === ADMIN.email);
    const reset = await server.app.inject({
      method: 'POST',
      url: `/api/v1/users/${target.id}/password`,
      headers: { cookie: operator },
      payload: { password: 'taken-over-password' },
    });
    expect(reset.statusCode).toBe(403);
  });
});
