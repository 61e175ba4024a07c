/**
 * Issue 14, acceptance 2: every tenant-configurable URL refuses loopback, private, link-local,
 * metadata, `file:` and `gopher:` addresses when written (400 egress_refused); a name that
 * resolves to 127.0.0.1 is refused when the connection is made (also after it resolved to a public
 * address when saved: DNS rebinding); EGRESS_ALLOW lets the simulators through.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callHttpTool } from '../../src/agents/http-tools.ts';
import { createEmailChannel } from '../../src/channels/index.ts';
import { callProvider } from '../../src/channels/provider-call.ts';
import { ChannelError } from '../../src/channels/types.ts';
import {
  configureEgress,
  createEgressGuard,
  EgressError,
  guardedFetch,
} from '../../src/egress/index.ts';
import { postJson } from '../../src/handoff/outbound-http.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { schema } from '../../src/storage/index.ts';
import { createApiKey, createTenant, type Tenant } from '../../src/tenancy/index.ts';
import { URL_SETTINGS } from '../../src/tenancy/setting-addresses.ts';
import { eventually } from '../support/eventually.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { TEST_EGRESS_ALLOW } from '../support/services.ts';
import { startSmtpSim } from '../support/smtp-sim.ts';
import { rows } from '../support/sql.ts';
import { startWebhookSim, type WebhookSim } from '../support/webhook-sim.ts';

const SYSTEM = { type: 'system' } as const;

const REFUSED = [
  'http://127.0.0.1:5432/',
  'http://[::1]:6379/',
  'http://localhost:6379/',
  'http://0.0.0.0:8080/',
  'http://10.1.2.3/hook',
  'http://192.168.0.10/hook',
  'http://172.16.5.4/hook',
  'http://100.64.0.1/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://[::ffff:127.0.0.1]/',
  'http://2130706433/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_FLUSHALL',
];

/** A plain HTTP server on 127.0.0.1 that counts what reaches it. */
async function startTarget(): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    response.setHeader('content-type', 'application/json');
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

describe('the egress policy', () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  beforeAll(async () => {
    target = await startTarget();
  });
  afterAll(async () => {
    await new Promise((resolve) => target.server.close(resolve));
  });

  it('refuses every scheme but http/https and every non-public address, literal or not', async () => {
    const guard = createEgressGuard();
    try {
      for (const url of REFUSED) {
        await expect(guard.assertAllowed(url), url).rejects.toBeInstanceOf(EgressError);
        await expect(guard.fetch(url), url).rejects.toBeInstanceOf(EgressError);
      }
      await expect(guard.assertAllowed('https://example.com/hook')).resolves.toBeInstanceOf(URL);
    } finally {
      await guard.close();
    }
  });

  it('refuses a name that resolves to 127.0.0.1 when the connection is made', async () => {
    const guard = createEgressGuard();
    try {
      const error = await guard.fetch(`http://localhost:${target.port}/`).catch((e) => e);
      expect(error).toBeInstanceOf(EgressError);
      expect((error as EgressError).code).toBe('egress_refused');
      expect(target.hits).toEqual([]);
    } finally {
      await guard.close();
    }
  });

  it('checks the address of each connection: a name that rebinds to 127.0.0.1 after the check is refused', async () => {
    let lookups = 0;
    const guard = createEgressGuard({
      // First answer public (the save-time check passes), then loopback (the attack).
      resolve: async () => [
        lookups++ === 0
          ? { address: '93.184.216.34', family: 4 }
          : { address: '127.0.0.1', family: 4 },
      ],
    });
    try {
      const url = `http://rebind.example:${target.port}/`;
      await expect(guard.assertAllowed(url)).resolves.toBeInstanceOf(URL);
      await expect(guard.fetch(url)).rejects.toBeInstanceOf(EgressError);
      expect(lookups).toBe(2);
      expect(target.hits).toEqual([]);
    } finally {
      await guard.close();
    }
  });

  it('checks every redirect like the first address', async () => {
    const redirector = createServer((_request, response) => {
      response.writeHead(302, { location: `http://169.254.169.254/latest/meta-data/` });
      response.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const guard = createEgressGuard({ allow: ['127.0.0.1'] });
    try {
      const port = (redirector.address() as AddressInfo).port;
      const error = await guard.fetch(`http://127.0.0.1:${port}/`).catch((e) => e);
      expect(error).toBeInstanceOf(EgressError);
      expect((error as EgressError).message).toContain('169.254.169.254');
    } finally {
      await guard.close();
      await new Promise((resolve) => redirector.close(resolve));
    }
  });

  it('follows a redirect to another origin without the credentials of the first', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const landing = createServer((request, response) => {
      seen.push(request.headers);
      response.end('landed');
    });
    await new Promise<void>((resolve) => landing.listen(0, '127.0.0.1', resolve));
    const landingPort = (landing.address() as AddressInfo).port;
    const redirector = createServer((_request, response) => {
      response.writeHead(307, { location: `http://localhost:${landingPort}/next` });
      response.end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const guard = createEgressGuard({ allow: ['127.0.0.1', '::1'] });
    try {
      const port = (redirector.address() as AddressInfo).port;
      const response = await guard.fetch(`http://127.0.0.1:${port}/`, {
        headers: { apikey: 'tool-secret', authorization: 'Bearer x', accept: 'application/json' },
      });
      expect(await response.text()).toBe('landed');
      expect(seen[0]?.apikey).toBeUndefined();
      expect(seen[0]?.authorization).toBeUndefined();
      expect(seen[0]?.accept).toBe('application/json');
    } finally {
      await guard.close();
      await new Promise((resolve) => redirector.close(resolve));
      await new Promise((resolve) => landing.close(resolve));
    }
  });

  it('lets through what EGRESS_ALLOW lists: addresses, CIDRs and host names', async () => {
    for (const allow of [['127.0.0.1'], ['127.0.0.0/8'], ['localhost', '::1']]) {
      const guard = createEgressGuard({ allow });
      try {
        const host = allow.includes('localhost') ? 'localhost' : '127.0.0.1';
        const response = await guard.fetch(`http://${host}:${target.port}/allowed`);
        expect(response.status, allow.join(',')).toBe(200);
      } finally {
        await guard.close();
      }
    }
    // The scheme is never allowed, whatever the list says.
    const guard = createEgressGuard({ allow: ['127.0.0.1'] });
    await expect(guard.assertAllowed('gopher://127.0.0.1:6379/_x')).rejects.toBeInstanceOf(
      EgressError,
    );
    await guard.close();
  });
});

describe('the outbound helpers go through the process guard', () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  beforeAll(async () => {
    target = await startTarget();
    configureEgress({ allow: [] });
  });
  afterAll(async () => {
    configureEgress({ allow: TEST_EGRESS_ALLOW.split(',') });
    await new Promise((resolve) => target.server.close(resolve));
  });

  it('refuses a channel provider, an integration, an HTTP tool and guardedFetch on loopback, permanently', async () => {
    const url = `http://127.0.0.1:${target.port}/send`;
    const channel = await callProvider({
      url,
      provider: 'Evolution API',
      timeoutMs: 5000,
      body: {},
      classify: () => new ChannelError('unexpected', { retryable: true }),
    }).catch((e) => e);
    expect(channel).toBeInstanceOf(ChannelError);
    expect((channel as ChannelError).retryable).toBe(false);

    const integration = await postJson({ service: 'Slack', url, body: {}, timeoutMs: 5000 }).catch(
      (e) => e,
    );
    expect((integration as { retryable: boolean }).retryable).toBe(false);

    const tool = await callHttpTool(
      {
        name: 'lookup',
        description: 'x',
        url,
        method: 'GET',
        parameters: {},
        timeoutMs: 5000,
        secretHeaders: {},
      },
      { q: 'x' },
      new AbortController().signal,
    );
    expect(tool).toContain('not allowed');
    await expect(guardedFetch(`http://localhost:${target.port}/`)).rejects.toBeInstanceOf(
      EgressError,
    );
    expect(target.hits).toEqual([]);
  });

  it("refuses a tenant's SMTP server on loopback before connecting, permanently", async () => {
    const smtp = await startSmtpSim();
    try {
      const email = createEmailChannel({
        targetOf: async () => ({ smtpUrl: smtp.url, from: 'omni@acme.test', tenantChosen: true }),
        threadOf: async () => undefined,
        timeoutMs: 5000,
      });
      const message = {
        tenantId: 't',
        conversationId: 'c',
        messageId: 'm',
        idempotencyKey: 'k-smtp',
        to: 'maria@example.com',
        text: 'oi',
      };
      const error = await email.send(message, new AbortController().signal).catch((e) => e);
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as ChannelError).retryable).toBe(false);
      expect(smtp.received).toEqual([]);
    } finally {
      await smtp.close();
    }
  });
});

describe('tenant settings that name an address', () => {
  let test: TestRuntime;
  let server: OmniServer;
  let tenant: Tenant;
  let admin: string;
  let webhook: WebhookSim;

  beforeAll(async () => {
    test = await openTestRuntime('pglite', {
      RATE_LIMIT_PER_MINUTE: '100000',
      DEBOUNCE_MS: '0',
      DEBOUNCE_MAX_MS: '0',
    });
    server = await buildServer(test.runtime);
    const { db } = test.runtime.database;
    tenant = await createTenant(db, { slug: 'acme' }, SYSTEM);
    admin = (await createApiKey(db, { tenantId: tenant.id, permissions: ['admin'] }, SYSTEM)).key;
    webhook = await startWebhookSim();
  });
  afterAll(async () => {
    await webhook?.close();
    await server?.app.close();
    await test?.close();
  });
  afterEach(() => configureEgress({ allow: TEST_EGRESS_ALLOW.split(',') }));

  /** Contact `c-<name>` writes message `m-<name>` on the API channel; the reply goes to the webhook. */
  const contactWrites = (name: string, text: string) =>
    test.runtime.pipeline.ingest({
      tenantId: tenant.id,
      channel: 'api',
      contact: { externalId: `c-${name}` },
      text,
      externalId: `m-${name}`,
    });
  const put = (settings: Record<string, unknown>, language = 'pt-BR') =>
    server.app.inject({
      method: 'PUT',
      url: `/api/v1/tenants/${tenant.id}`,
      headers: { 'x-api-key': admin, 'accept-language': language },
      payload: { settings },
    });

  it('answers 400 egress_refused for every URL setting naming a refused address, and saves nothing', async () => {
    configureEgress({ allow: [] });
    const settings = [...URL_SETTINGS, 'providers.openai.base_url', 'smtp_url'];
    for (const setting of settings) {
      for (const url of REFUSED) {
        const value = setting === 'smtp_url' ? url.replace(/^https?:/, 'smtp:') : url;
        const body =
          setting === 'providers.openai.base_url'
            ? { providers: { openai: { base_url: value } } }
            : { [setting]: value };
        const response = await put(body);
        const label = `${setting}=${value}`;
        expect(response.statusCode, label).toBe(400);
        expect(response.json().error.code, label).toBe('egress_refused');
        expect(response.json().error.message, label).toContain(setting);
      }
    }
    const [row] = await test.runtime.database.db
      .select({ settings: schema.tenants.settings })
      .from(schema.tenants)
      .where(eq(schema.tenants.id, tenant.id));
    for (const setting of URL_SETTINGS) expect(row?.settings[setting]).toBeUndefined();
  });

  it('says why in pt-BR by default and in English on request', async () => {
    configureEgress({ allow: [] });
    const pt = await put({ outbound_webhook_url: 'http://169.254.169.254/latest/meta-data/' });
    expect(pt.json().error.message).toContain('não pode ser acessado');
    const en = await put({ outbound_webhook_url: 'file:///etc/passwd' }, 'en-US');
    expect(en.json().error.message).toContain('not reachable');
    // A URL can carry a credential in its path: the answer (and the log) names scheme and host only.
    const slack = await put({
      slack_webhook_url: 'http://10.0.0.1/services/T0/B0/hook-secret-xyz',
    });
    expect(slack.statusCode).toBe(400);
    expect(slack.json().error.message).toContain('10.0.0.1');
    expect(slack.json().error.message).not.toContain('hook-secret-xyz');
  });

  it('refuses a loopback webhook saved before the guard when the reply is sent: failed at once (permanent), nothing reaches it', async () => {
    configureEgress({ allow: [] });
    const { db } = test.runtime.database;
    // Written past the API, as a value stored before this check existed would be.
    await db
      .update(schema.tenants)
      .set({ settings: { language: 'pt-BR', outbound_webhook_url: webhook.url } })
      .where(eq(schema.tenants.id, tenant.id));
    await contactWrites('refused', 'olá');
    const [outbox] = await eventually(async () => {
      await test.runtime.pipeline.runOnce('inbound');
      await test.runtime.pipeline.runOnce('dispatcher');
      const found = await rows<{ status: string; last_error: string; attempts: number }>(
        db,
        "select status, last_error, attempts from outbox where status = 'falhou'",
      );
      return found.length > 0 ? found : undefined;
    });
    expect(outbox?.last_error).toContain('not reachable');
    expect(outbox?.attempts).toBe(1);
    expect(webhook.requests).toBe(0);
  });

  it('lets the simulators through with EGRESS_ALLOW: the setting is saved and the reply delivered', async () => {
    const saved = await put({ outbound_webhook_url: webhook.url });
    expect(saved.statusCode).toBe(200);
    await contactWrites('allowed', 'oi');
    while ((await test.runtime.pipeline.runOnce('inbound')) > 0) {}
    await eventually(async () => {
      await test.runtime.pipeline.runOnce('dispatcher');
      return webhook.deliveries.length > 0;
    });
  });
});
