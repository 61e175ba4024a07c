/**
 * Web chat over a real WebSocket: a visitor's message is stored once, the reply arrives on the
 * socket with a typing indicator before it, and a reconnect resumes the history. With PostgreSQL,
 * the API and the workers run as separate runtimes (as separate processes would), so the reply
 * reaches the socket only through the database's notifications.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerFrame, visitorContactId, visitorMessageId } from '../../src/channels/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { requestHandoff, resolve } from '../../src/handoff/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import type { RunningWorkers } from '../../src/pipeline/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { freshRedis, testRedisUrl } from '../support/redis.ts';
import { echoResponder } from '../support/responder.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL, TEST_SECRET_KEY } from '../support/services.ts';
import { rows } from '../support/sql.ts';

const REDIS_DB = 14;
const FAST = { DEBOUNCE_MS: '0', DEBOUNCE_MAX_MS: '0', QUEUE_CLAIM_IDLE_MS: '1000' };

/** A browser tab, reduced to its socket: every frame it received, and a way to wait for one. */
class Visitor {
  readonly frames: ServerFrame[] = [];
  closeCode: number | undefined;
  private readonly socket: WebSocket;
  private readonly opened: Promise<void>;

  constructor(baseUrl: string, tenant: string) {
    this.socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/webchat/${tenant}`);
    this.socket.onmessage = (event) => this.frames.push(JSON.parse(String(event.data)));
    this.socket.onclose = (event) => {
      this.closeCode = event.code;
    };
    this.opened = new Promise((resolve, reject) => {
      this.socket.onopen = () => resolve();
      this.socket.onerror = () => reject(new Error('socket failed'));
    });
  }

  async send(frame: Record<string, unknown>): Promise<void> {
    await this.opened;
    this.socket.send(JSON.stringify(frame));
  }

  async next<T extends ServerFrame['type']>(
    type: T,
    match: (frame: Extract<ServerFrame, { type: T }>) => boolean = () => true,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    for (let i = 0; i < 300; i++) {
      const found = this.frames.find(
        (f): f is Extract<ServerFrame, { type: T }> =>
          f.type === type && match(f as Extract<ServerFrame, { type: T }>),
      );
      if (found) return found;
      await sleep(50);
    }
    throw new Error(`no "${type}" frame; got ${JSON.stringify(this.frames)}`);
  }

  close(): void {
    this.socket.close();
  }
}

async function listen(server: OmniServer): Promise<string> {
  return await server.app.listen({ port: 0, host: '127.0.0.1' });
}

describe('web chat in one process (embedded)', () => {
  let test: TestRuntime;
  let server: OmniServer;
  let workers: RunningWorkers;
  let baseUrl: string;

  beforeAll(async () => {
    test = await openTestRuntime('pglite', FAST, { responder: echoResponder(300).responder });
    await createTenant(test.runtime.database.db, { slug: 'acme' }, { type: 'system' });
    server = await buildServer(test.runtime);
    baseUrl = await listen(server);
    workers = test.runtime.pipeline.startWorkers(['inbound', 'dispatcher']);
  });
  afterAll(async () => {
    await workers?.stop();
    await server?.app.close();
    await test?.close();
  });

  it('answers a visitor, shows typing first, and resumes the history after a reconnect', async () => {
    const secret = 'visitor-secret-0001';
    const tab = new Visitor(baseUrl, 'acme');
    await tab.send({ type: 'hello', visitor: secret, name: 'Ana' });
    expect(await tab.next('ready')).toEqual({
      type: 'ready',
      history: [],
      typing: false,
      state: 'bot',
      language: 'pt-BR',
    });

    await tab.send({ type: 'message', text: 'Oi, tudo bem?', client_id: 'c1' });
    const mine = await tab.next('message', (f) => f.message.author === 'contact');
    expect(mine.message).toMatchObject({ text: 'Oi, tudo bem?', client_id: 'c1' });
    await tab.next('typing', (f) => f.on);
    const reply = await tab.next('message', (f) => f.message.author === 'bot');
    expect(reply.message.text).toBe('eco: Oi, tudo bem?');
    const typingOn = tab.frames.findIndex((f) => f.type === 'typing' && f.on);
    expect(typingOn).toBeLessThan(tab.frames.indexOf(reply));
    tab.close();

    // A reload: a new socket, the same secret. The frame resent with the same client id is stored once.
    const again = new Visitor(baseUrl, 'acme');
    await again.send({ type: 'hello', visitor: secret });
    const ready = await again.next('ready');
    expect(ready.history.map((m) => [m.author, m.text])).toEqual([
      ['contact', 'Oi, tudo bem?'],
      ['bot', 'eco: Oi, tudo bem?'],
    ]);
    await again.send({ type: 'message', text: 'Oi, tudo bem?', client_id: 'c1' });
    await again.next('message', (f) => f.message.client_id === 'c1');
    const stored = await rows(
      test.runtime.database.db,
      "select id from messages where channel = 'webchat' and direction = 'inbound'",
    );
    expect(stored).toHaveLength(1);
    again.close();
  });

  it('shows every tab of a visitor the same conversation, also after it was resolved', async () => {
    const secret = 'two-tabs-visitor-secret';
    const [first, second] = [new Visitor(baseUrl, 'acme'), new Visitor(baseUrl, 'acme')];
    for (const tab of [first, second]) {
      await tab.send({ type: 'hello', visitor: secret });
      await tab.next('ready');
    }
    await first.send({ type: 'message', text: 'primeira', client_id: 't1' });
    await second.next('message', (f) => f.message.text === 'eco: primeira');
    const [conversation] = await rows<{ id: string; tenant_id: string }>(
      test.runtime.database.db,
      "select c.id, c.tenant_id from conversations c join messages m on m.conversation_id = c.id where m.body = 'primeira'",
    );
    await resolve(test.runtime.database.db, {
      tenantId: conversation?.tenant_id as string,
      conversationId: conversation?.id as string,
      trigger: 'api',
    });
    // The next message opens a new conversation; the other tab follows it.
    await first.send({ type: 'message', text: 'segunda', client_id: 't2' });
    await second.next('message', (f) => f.message.text === 'segunda');
    await second.next('message', (f) => f.message.text === 'eco: segunda');
    first.close();
    second.close();
  });

  it('keeps visitors apart: the contact id is a digest, not the secret', async () => {
    const other = new Visitor(baseUrl, 'acme');
    await other.send({ type: 'hello', visitor: 'someone-else-entirely' });
    expect((await other.next('ready')).history).toEqual([]);
    other.close();
    const contacts = await rows<{ external_id: string }>(
      test.runtime.database.db,
      "select external_id from contacts where channel = 'webchat'",
    );
    expect(contacts.map((c) => c.external_id)).not.toContain('visitor-secret-0001');
  });

  it('refuses an unknown tenant, a message before hello, and unreadable frames', async () => {
    const nobody = new Visitor(baseUrl, 'nobody');
    await nobody.next('error', (f) => f.code === 'unknown_tenant');
    for (let i = 0; i < 40 && nobody.closeCode === undefined; i++) await sleep(50);
    expect(nobody.closeCode).toBe(4404);

    const closed = await createTenant(
      test.runtime.database.db,
      { slug: 'closed', settings: { webchat_enabled: false } },
      { type: 'system' },
    );
    expect(closed.slug).toBe('closed');
    const refused = new Visitor(baseUrl, 'closed');
    await refused.next('error', (f) => f.code === 'unknown_tenant');

    const early = new Visitor(baseUrl, 'acme');
    await early.send({ type: 'message', text: 'hi', client_id: 'x' });
    await early.next('error', (f) => f.code === 'not_ready');
    await early.send({ type: 'hello', visitor: 'short' });
    await early.next('error', (f) => f.code === 'invalid_frame');
    early.close();
  });

  it('serves the demo page for the demo tenant, in Portuguese when asked', async () => {
    const page = await server.app.inject({
      url: '/demo',
      headers: { 'accept-language': 'pt-BR,pt;q=0.9' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<script src="/widget.js" data-tenant="demo"');
    expect(page.body).toContain('Converse com o bot');
    const other = await server.app.inject({ url: '/demo?tenant=acme' });
    expect(other.body).toContain('data-tenant="acme"');
    expect((await server.app.inject({ url: '/demo?tenant=%3Cx%3E' })).statusCode).toBe(400);
  });
});

const SPLIT_PROFILES: Array<{ name: string; redis: boolean }> = TEST_DATABASE_URL
  ? [
      { name: 'postgres', redis: false },
      ...(TEST_REDIS_URL ? [{ name: 'scale', redis: true }] : []),
    ]
  : [];

describe.each(SPLIT_PROFILES)(
  'web chat with API and workers apart ($name profile)',
  ({ redis }) => {
    let database: TestDatabase;
    let api: Runtime;
    let worker: Runtime;
    let server: OmniServer;
    let workers: RunningWorkers;
    let baseUrl: string;

    beforeAll(async () => {
      database = await createTestDatabase();
      if (redis) (await freshRedis(REDIS_DB)).disconnect();
      const config = loadConfig({
        LOG_LEVEL: 'silent',
        DATABASE_URL: database.url,
        OMNI_SECRET_KEY: TEST_SECRET_KEY,
        ...(redis ? { REDIS_URL: testRedisUrl(REDIS_DB) } : {}),
        ...FAST,
      });
      const open = () =>
        openRuntime(config, {
          logger: createLogger('silent'),
          responder: echoResponder().responder,
        });
      api = await open();
      worker = await open();
      await createTenant(api.database.db, { slug: 'acme' }, { type: 'system' });
      server = await buildServer(api);
      baseUrl = await listen(server);
      workers = worker.pipeline.startWorkers(['inbound', 'dispatcher']);
    });
    afterAll(async () => {
      await workers?.stop();
      await server?.app.close();
      await worker?.close();
      await api?.close();
      await database?.drop();
    });

    it('pushes what another runtime dispatched or opened to the visitor socket', async () => {
      const tab = new Visitor(baseUrl, 'acme');
      await tab.send({ type: 'hello', visitor: 'split-visitor-secret' });
      await tab.next('ready');
      await tab.send({ type: 'message', text: 'Olá', client_id: 'm1' });
      const reply = await tab.next('message', (f) => f.message.author === 'bot');
      expect(reply.message.text).toBe('eco: Olá');

      // The visitor's other tab, on another API process, opens a new conversation there: this
      // process has never seen it, and still pushes it to the tab connected here.
      const [conversation] = await rows<{ id: string; tenant_id: string }>(
        worker.database.db,
        "select id, tenant_id from conversations where channel = 'webchat'",
      );
      const tenantId = conversation?.tenant_id as string;
      // Who answers, changed by another runtime, reaches the socket too (the widget's banner).
      await requestHandoff(worker.database.db, {
        tenantId,
        conversationId: conversation?.id as string,
        reason: 'human_request: the contact asked for a person',
        trigger: 'escalation',
      });
      await tab.next('state', (f) => f.state === 'pending_human');
      await resolve(worker.database.db, {
        tenantId,
        conversationId: conversation?.id as string,
        trigger: 'api',
      });
      await tab.next('state', (f) => f.state === 'bot');
      const contactId = visitorContactId('split-visitor-secret');
      await worker.pipeline.ingest({
        tenantId,
        channel: 'webchat',
        contact: { externalId: contactId },
        externalId: visitorMessageId(contactId, 'm2'),
        text: 'De outra aba',
        content: { webchat_client_id: 'm2' },
      });
      await tab.next('message', (f) => f.message.text === 'De outra aba');
      await tab.next('message', (f) => f.message.text === 'eco: De outra aba');
      tab.close();
    });
  },
);
