/**
 * Issue 14, acceptance 1: channel and integration secrets are write-only. A `read,write` key and
 * an operator session never see one in any answer (every route the server registered is walked);
 * only `admin` sets them; the database row and a backup hold ciphertext; a restore with the same key
 * opens them; values stored in clear before are sealed at start.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { createBackup, restoreBackup } from '../../src/ops/index.ts';
import { openRuntime } from '../../src/runtime/index.ts';
import {
  keyFromDataDir,
  parseSecretKey,
  sealSecrets,
  setSecretKeys,
} from '../../src/secrets/index.ts';
import { schema } from '../../src/storage/index.ts';
import {
  createApiKey,
  createTenant,
  createUser,
  getTenant,
  sealStoredSecrets,
  type Tenant,
  tenantsWithUnreadableSecrets,
  tenantView,
} from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { BACKENDS } from '../support/services.ts';

const SYSTEM = { type: 'system' } as const;
const PASSWORD = 'correct horse battery';

/** One distinct, recognisable value per secret setting. */
const SECRETS: Record<string, string> = {
  whatsapp_app_secret: 'wa-app-secret-0001-AAAA',
  whatsapp_access_token: 'wa-access-token-0002-BBBB',
  whatsapp_verify_token: 'wa-verify-token-0003-CCCC',
  telegram_bot_token: '123456:telegram-bot-token-DDDD',
  telegram_webhook_secret: 'tg-webhook-secret-0005-EEEE',
  email_webhook_token: 'email-webhook-token-0006-FFFF',
  chatwoot_webhook_token: 'cw-webhook-token-0007-GGGG',
  evolution_api_key: 'evolution-api-key-0008-HHHH',
  outbound_webhook_secret: 'outbound-secret-0009-IIII',
  smtp_url: 'smtp://omni:smtp-password-0010@smtp.example.com:587',
};
const PROVIDER_KEY = 'sk-tenant-openai-key-0011-JJJJ';
const ALL_SECRETS = [...Object.values(SECRETS), PROVIDER_KEY];

function leaked(body: string): string[] {
  return ALL_SECRETS.filter((secret) => body.includes(secret));
}

/** Every `:param` of a route filled with `value`. */
function fill(url: string, value: string): string {
  return url.replace(/:[A-Za-z_]+/g, encodeURIComponent(value)).replace(/\*$/, value);
}

describe.each(BACKENDS)('write-only secrets on %s', (backend) => {
  let test: TestRuntime;
  let server: OmniServer;
  let acme: Tenant;
  let admin: string;
  let writer: string;
  let operator: { cookie: string; csrf: string };

  beforeAll(async () => {
    test = await openTestRuntime(backend, { RATE_LIMIT_PER_MINUTE: '100000' });
    server = await buildServer(test.runtime);
    const { db } = test.runtime.database;
    acme = await createTenant(db, { slug: 'acme' }, SYSTEM);
    const key = async (permissions: Array<'read' | 'write' | 'admin'>) =>
      (await createApiKey(db, { tenantId: acme.id, permissions }, SYSTEM)).key;
    admin = await key(['admin']);
    writer = await key(['read', 'write']);
    await createUser(
      db,
      {
        tenantId: acme.id,
        email: 'op@acme.test',
        password: PASSWORD,
        fullName: 'Op',
        role: 'operator',
      },
      SYSTEM,
    );
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'op@acme.test', password: PASSWORD },
    });
    const session = /omni_session=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1];
    operator = { cookie: `omni_session=${session}`, csrf: login.json().csrf_token };
    // Something to read on the conversation routes too.
    await test.runtime.pipeline.ingest({
      tenantId: acme.id,
      channel: 'api',
      contact: { externalId: 'c-1', name: 'Maria' },
      text: 'olá',
      externalId: 'm-1',
    });
  });
  afterAll(async () => {
    await server?.app.close();
    await test?.close();
  });

  const putSettings = (headers: Record<string, string>, settings: Record<string, unknown>) =>
    server.app.inject({
      method: 'PUT',
      url: `/api/v1/tenants/${acme.id}`,
      headers,
      payload: { settings },
    });

  it('lets admin set every secret, and answers with masks, never the values', async () => {
    const response = await putSettings(
      { 'x-api-key': admin },
      { ...SECRETS, providers: { openai: { api_key: PROVIDER_KEY, model: 'gpt-4o-mini' } } },
    );
    expect(response.statusCode).toBe(200);
    expect(leaked(response.body)).toEqual([]);
    const { settings } = response.json();
    expect(settings.evolution_api_key).toBe('…HHHH');
    expect(settings.providers.openai).toEqual({ api_key: '…JJJJ', model: 'gpt-4o-mini' });
    // Omni itself still uses the values.
    const opened = await getTenant(test.runtime.database.db, acme.id);
    expect(opened.settings.evolution_api_key).toBe(SECRETS.evolution_api_key);
  });

  it('keeps a secret when a client writes back the mask it read', async () => {
    const read = await server.app.inject({
      url: `/api/v1/tenants/${acme.id}`,
      headers: { 'x-api-key': admin },
    });
    const written = await putSettings({ 'x-api-key': admin }, read.json().settings);
    expect(written.statusCode).toBe(200);
    const opened = await getTenant(test.runtime.database.db, acme.id);
    for (const [name, value] of Object.entries(SECRETS)) expect(opened.settings[name]).toBe(value);
    expect((opened.settings.providers as { openai: { api_key: string } }).openai.api_key).toBe(
      PROVIDER_KEY,
    );
  });

  it('refuses a read,write key and an operator session that try to change them (403)', async () => {
    const byKey = await putSettings({ 'x-api-key': writer }, { evolution_api_key: 'stolen' });
    expect(byKey.statusCode).toBe(403);
    const bySession = await putSettings(
      { cookie: operator.cookie, 'x-csrf-token': operator.csrf },
      { evolution_api_key: 'stolen' },
    );
    expect(bySession.statusCode).toBe(403);
    const opened = await getTenant(test.runtime.database.db, acme.id);
    expect(opened.settings.evolution_api_key).toBe(SECRETS.evolution_api_key);
  });

  it('shows no secret to a read,write key or an operator session on any route', async () => {
    const [conversation] = await test.runtime.database.db
      .select({ id: schema.conversations.id })
      .from(schema.conversations)
      .where(eq(schema.conversations.tenantId, acme.id));
    const ids = [acme.id, acme.slug, conversation?.id ?? acme.id];
    const routes = server.routes.filter(
      (route) =>
        route.method === 'GET' && !route.url.includes('*') && route.url !== '/api/v1/events',
    );
    expect(routes.map((route) => route.url)).toContain('/api/v1/tenants/:id');
    let walked = 0;
    for (const route of routes) {
      const urls = route.url.includes(':') ? ids.map((id) => fill(route.url, id)) : [route.url];
      for (const url of urls) {
        for (const headers of [{ 'x-api-key': writer }, { cookie: operator.cookie }]) {
          const response = await server.app.inject({ url, headers });
          expect(leaked(response.body), `GET ${url}`).toEqual([]);
          walked++;
        }
      }
    }
    // Every write route too, with the read,write key (the answers of writes echo objects).
    const writes = server.routes.filter((route) =>
      ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method),
    );
    for (const route of writes) {
      const url = fill(route.url, acme.id);
      const response = await server.app.inject({
        method: route.method as 'POST',
        url,
        headers: { 'x-api-key': writer },
        payload: {},
      });
      expect(leaked(response.body), `${route.method} ${url}`).toEqual([]);
      walked++;
    }
    expect(walked).toBeGreaterThan(40);
    // The tenant itself is readable, masked.
    const own = await server.app.inject({
      url: `/api/v1/tenants/${acme.id}`,
      headers: { 'x-api-key': writer },
    });
    expect(own.statusCode).toBe(200);
    expect(own.json().settings.telegram_webhook_secret).toBe('…EEEE');
  });

  it('stores ciphertext in the row, and tenantView (CLI listings) masks', async () => {
    const [row] = await test.runtime.database.db
      .select({ settings: schema.tenants.settings })
      .from(schema.tenants)
      .where(eq(schema.tenants.id, acme.id));
    const stored = JSON.stringify(row?.settings);
    expect(leaked(stored)).toEqual([]);
    for (const name of Object.keys(SECRETS)) expect(row?.settings[name]).toMatch(/^enc:v1:/);
    const shown = JSON.stringify(tenantView(await getTenant(test.runtime.database.db, acme.id)));
    expect(leaked(shown)).toEqual([]);
  });

  it('writes ciphertext to a backup, and a restore with the same key opens the secrets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omni-secrets-'));
    try {
      const file = join(dir, 'backup.jsonl.gz');
      await createBackup(test.runtime.database.db, file);
      const content = gunzipSync(await readFile(file)).toString('utf8');
      expect(leaked(content)).toEqual([]);
      expect(content).toContain('enc:v1:');
      // The same process holds the same key, as a restarted instance with the same key would.
      const target = await openTestRuntime(backend);
      try {
        await restoreBackup(target.runtime.database.db, file);
        const restored = await getTenant(target.runtime.database.db, 'acme');
        for (const [name, value] of Object.entries(SECRETS))
          expect(restored.settings[name]).toBe(value);
      } finally {
        await target.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('seals values stored in clear (before this version) at start, once', async () => {
    const { db } = test.runtime.database;
    const legacy = await createTenant(db, { slug: 'legacy' }, SYSTEM);
    await db
      .update(schema.tenants)
      .set({ settings: { language: 'pt-BR', evolution_api_key: SECRETS.evolution_api_key } })
      .where(eq(schema.tenants.id, legacy.id));
    expect(await sealStoredSecrets(db)).toBe(1);
    expect(await sealStoredSecrets(db)).toBe(0);
    const [row] = await db
      .select({ settings: schema.tenants.settings })
      .from(schema.tenants)
      .where(eq(schema.tenants.id, legacy.id));
    expect(row?.settings.evolution_api_key).toMatch(/^enc:v1:/);
    expect((await getTenant(db, 'legacy')).settings.evolution_api_key).toBe(
      SECRETS.evolution_api_key,
    );
  });
});

describe('the secret key', () => {
  it('is required with DATABASE_URL: the start fails naming OMNI_SECRET_KEY', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://omni@127.0.0.1:1/omni' });
    const error = await openRuntime(config, { logger: createLogger('silent') }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('OMNI_SECRET_KEY');
  });

  it('is generated once into the embedded data folder, readable by its owner only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'omni-key-'));
    try {
      const first = keyFromDataDir(dir);
      const second = keyFromDataDir(dir);
      expect(second.id).toBe(first.id);
      expect((await stat(join(dir, 'secret.key'))).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rotates: values sealed under OMNI_SECRET_KEY_PREVIOUS still open and are re-sealed', async () => {
    const test = await openTestRuntime('pglite');
    try {
      const { db } = test.runtime.database;
      const oldKey = parseSecretKey('old-key-old-key-old-key-old-key-old-key');
      const newKey = parseSecretKey('new-key-new-key-new-key-new-key-new-key');
      setSecretKeys(oldKey);
      const tenant = await createTenant(db, { slug: 'rotating' }, SYSTEM);
      await db
        .update(schema.tenants)
        .set({ settings: sealSecrets({ evolution_api_key: SECRETS.evolution_api_key }) })
        .where(eq(schema.tenants.id, tenant.id));
      setSecretKeys(newKey, [oldKey]);
      expect(await sealStoredSecrets(db)).toBeGreaterThanOrEqual(1);
      const [row] = await db
        .select({ settings: schema.tenants.settings })
        .from(schema.tenants)
        .where(eq(schema.tenants.id, tenant.id));
      expect(row?.settings.evolution_api_key).toMatch(new RegExp(`^enc:v1:${newKey.id}:`));
      expect((await getTenant(db, 'rotating')).settings.evolution_api_key).toBe(
        SECRETS.evolution_api_key,
      );
      expect(await tenantsWithUnreadableSecrets(db)).toEqual([]);
      // Sealed under a key this process was never given (a backup of another instance): named at
      // start, and treated as unset rather than failing the tenant.
      await db
        .update(schema.tenants)
        .set({
          settings: { evolution_api_key: 'enc:v1:0badc0de:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
        })
        .where(eq(schema.tenants.id, tenant.id));
      expect(await tenantsWithUnreadableSecrets(db)).toEqual([
        { tenant: 'rotating', settings: ['evolution_api_key'] },
      ]);
      expect((await getTenant(db, 'rotating')).settings.evolution_api_key).toBeUndefined();
    } finally {
      await test.close();
    }
  });
});
