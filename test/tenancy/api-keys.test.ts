import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import {
  authenticateApiKey,
  createApiKey,
  createTenant,
  ensureDemoTenant,
  hasPermission,
  parsePermissions,
  revokeApiKey,
  TenancyError,
  type Tenant,
  verifyPassword,
} from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { BACKENDS } from '../support/services.ts';
import { rows } from '../support/sql.ts';

const SYSTEM = { type: 'system' } as const;

describe('permissions', () => {
  it('rank admin over write over read', () => {
    expect(hasPermission(['admin'], 'write')).toBe(true);
    expect(hasPermission(['write'], 'read')).toBe(true);
    expect(hasPermission(['read'], 'write')).toBe(false);
    expect(hasPermission(['write'], 'admin')).toBe(false);
  });

  it('parse a comma list and refuse unknown words', () => {
    expect(parsePermissions('read, WRITE')).toEqual(['read', 'write']);
    expect(() => parsePermissions('read,root')).toThrow(/unknown: root/);
    expect(() => parsePermissions('')).toThrow(TenancyError);
  });
});

describe.each(BACKENDS)('API keys and tenant isolation on %s', (backend) => {
  let test: TestRuntime;
  let server: OmniServer;
  let acme: Tenant;
  let globex: Tenant;
  let acmeAdmin: { key: string; id: string };
  let acmeReader: string;
  let globexAdmin: { key: string; id: string };

  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    key?: string,
    payload?: object,
  ) => server.app.inject({ method, url, headers: key ? { 'x-api-key': key } : {}, payload });

  beforeAll(async () => {
    test = await openTestRuntime(backend);
    server = await buildServer(test.runtime);
    const { db } = test.runtime.database;
    acme = await createTenant(db, { slug: 'acme', name: 'Acme' }, SYSTEM);
    globex = await createTenant(db, { slug: 'globex', name: 'Globex' }, SYSTEM);
    const a = await createApiKey(db, { tenantId: acme.id, permissions: ['admin'] }, SYSTEM);
    acmeAdmin = { key: a.key, id: a.info.id };
    acmeReader = (await createApiKey(db, { tenantId: acme.id, permissions: ['read'] }, SYSTEM)).key;
    const g = await createApiKey(db, { tenantId: globex.id, permissions: ['admin'] }, SYSTEM);
    globexAdmin = { key: g.key, id: g.info.id };
  });
  afterAll(async () => {
    await server?.app.close();
    await test?.close();
  });

  it('stores only a hash of the key', async () => {
    const stored = await rows<{ prefix: string; key_hash: string }>(
      test.runtime.database.db,
      'select prefix, key_hash from api_keys',
    );
    const everything = JSON.stringify(stored);
    expect(everything).not.toContain(acmeAdmin.key);
    expect(stored.every((r) => /^[0-9a-f]{64}$/.test(r.key_hash))).toBe(true);
    expect(
      acmeAdmin.key.startsWith(
        stored.find((r) => acmeAdmin.key.startsWith(r.prefix))?.prefix ?? 'x',
      ),
    ).toBe(true);
  });

  it('accepts the key as X-API-Key or as a Bearer token, and nothing else', async () => {
    expect((await call('GET', '/api/v1/tenants/acme', acmeAdmin.key)).statusCode).toBe(200);
    const bearer = await server.app.inject({
      url: '/api/v1/tenants/acme',
      headers: { authorization: `Bearer ${acmeAdmin.key}` },
    });
    expect(bearer.statusCode).toBe(200);
    const none = await call('GET', '/api/v1/tenants/acme');
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('unauthorized');
    expect((await call('GET', '/api/v1/tenants/acme', `${acmeAdmin.key}x`)).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/tenants/acme', 'sk_short')).statusCode).toBe(401);
  });

  it('records when a key was last used', async () => {
    const [row] = await rows<{ last_used_at: string | null }>(
      test.runtime.database.db,
      `select last_used_at from api_keys where id = '${acmeAdmin.id}'`,
    );
    expect(row?.last_used_at).not.toBeNull();
  });

  it('enforces read, write and admin permissions', async () => {
    expect((await call('GET', '/api/v1/tenants/acme', acmeReader)).statusCode).toBe(200);
    const put = await call('PUT', '/api/v1/tenants/acme', acmeReader, { language: 'en' });
    expect(put.statusCode).toBe(403);
    expect(put.json().error.message).toContain('"admin"');
    expect((await call('GET', '/api/v1/keys', acmeReader)).statusCode).toBe(403);
  });

  it('updates settings through the runbook alias /api/companies/{id}', async () => {
    const response = await call('PUT', `/api/companies/${acme.id}`, acmeAdmin.key, {
      custom_instructions: 'Sempre responda em português brasileiro.',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().settings).toMatchObject({
      language: 'pt-BR',
      custom_instructions: 'Sempre responda em português brasileiro.',
    });
    const removed = await call('PUT', '/api/v1/tenants/acme', acmeAdmin.key, {
      custom_instructions: null,
    });
    expect(removed.json().settings).not.toHaveProperty('custom_instructions');
  });

  it('never shows tenant A anything of tenant B', async () => {
    for (const url of [
      `/api/v1/tenants/${globex.id}`,
      '/api/v1/tenants/globex',
      '/api/companies/globex',
    ]) {
      const response = await call('GET', url, acmeAdmin.key);
      expect(response.statusCode, url).toBe(404);
    }
    expect(
      (await call('PUT', '/api/v1/tenants/globex', acmeAdmin.key, { name: 'Hacked' })).statusCode,
    ).toBe(404);

    const keys = (await call('GET', '/api/v1/keys', acmeAdmin.key)).json().keys as Array<{
      id: string;
    }>;
    expect(keys.map((k) => k.id)).toContain(acmeAdmin.id);
    expect(keys.map((k) => k.id)).not.toContain(globexAdmin.id);

    const revokeOther = await call('DELETE', `/api/v1/keys/${globexAdmin.id}`, acmeAdmin.key);
    expect(revokeOther.statusCode).toBe(404);
    expect((await call('GET', '/api/v1/tenants/globex', globexAdmin.key)).statusCode).toBe(200);

    const createForOther = await call('POST', '/api/keys', acmeAdmin.key, {
      company_id: globex.id,
      name: 'x',
    });
    expect(createForOther.statusCode).toBe(404);
  });

  it('creates a key through the API, shown once, for the caller’s tenant', async () => {
    const created = await call('POST', '/api/keys', acmeAdmin.key, {
      company_id: acme.id,
      name: 'New Key',
      permissions: ['read', 'write'],
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      name: 'New Key',
      permissions: ['read', 'write'],
      revoked_at: null,
    });
    expect(body.key).toMatch(/^sk_/);
    expect((await call('GET', '/api/v1/tenants/acme', body.key)).statusCode).toBe(200);
    const listed = (await call('GET', '/api/v1/keys', acmeAdmin.key)).body;
    expect(listed).not.toContain(body.key);
  });

  it('rejects a revoked key on the very next request', async () => {
    const { db } = test.runtime.database;
    const { key, info } = await createApiKey(db, { tenantId: acme.id }, SYSTEM);
    expect((await call('GET', '/api/v1/tenants/acme', key)).statusCode).toBe(200);

    const revoked = await call('DELETE', `/api/v1/keys/${info.id}`, acmeAdmin.key);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revoked_at).not.toBeNull();

    const refused = await call('GET', '/api/v1/tenants/acme', key);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.message).toBe('The API key has been revoked.');
    expect(await authenticateApiKey(db, key)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('revokes from the CLI side too, and leaves an audit trail', async () => {
    const { db } = test.runtime.database;
    const { key, info } = await createApiKey(db, { tenantId: globex.id }, SYSTEM);
    await revokeApiKey(db, info.id, { type: 'cli' });
    expect((await call('GET', '/api/v1/tenants/globex', key)).statusCode).toBe(401);
    const audit = await rows<{ action: string; actor_type: string }>(
      db,
      `select action, actor_type from audit_logs where target_id = '${info.id}' order by id`,
    );
    expect(audit).toEqual([
      { action: 'api_key.create', actor_type: 'system' },
      { action: 'api_key.revoke', actor_type: 'cli' },
    ]);
  });
});

describe.each(BACKENDS)('first start on %s', (backend) => {
  let test: TestRuntime;
  beforeAll(async () => {
    test = await openTestRuntime(backend);
  });
  afterAll(() => test?.close());

  it('creates one demo tenant with a random admin password and key, once', async () => {
    const { db } = test.runtime.database;
    const [first, concurrent] = await Promise.all([ensureDemoTenant(db), ensureDemoTenant(db)]);
    const credentials = first ?? concurrent;
    expect([first, concurrent].filter(Boolean)).toHaveLength(1);
    expect(credentials?.password.length).toBeGreaterThanOrEqual(20);
    expect(await ensureDemoTenant(db)).toBeNull();

    const [user] = await rows<{ email: string; role: string; password_hash: string }>(
      db,
      'select email, role, password_hash from users',
    );
    expect(user).toMatchObject({ email: credentials?.email, role: 'admin' });
    expect(user?.password_hash).not.toContain(credentials?.password ?? '');
    expect(await verifyPassword(credentials?.password ?? '', user?.password_hash ?? '')).toBe(true);
    expect(await verifyPassword('wrong', user?.password_hash ?? '')).toBe(false);
    expect(await authenticateApiKey(db, credentials?.apiKey)).toMatchObject({ ok: true });

    const other = await openTestRuntime(backend);
    const elsewhere = await ensureDemoTenant(other.runtime.database.db);
    await other.close();
    expect(elsewhere?.password).not.toBe(credentials?.password);
  });
});
