import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import {
  createApiKey,
  createTenant,
  createUser,
  disableUser,
  resetPassword,
  type Tenant,
  type UserRole,
} from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { BACKENDS } from '../support/services.ts';
import { rows } from '../support/sql.ts';

const SYSTEM = { type: 'system' } as const;
const PASSWORD = 'correct horse battery';

interface Login {
  cookie: string;
  csrf: string;
  setCookie: string;
}

describe.each(BACKENDS)('dashboard sessions on %s', (backend) => {
  let test: TestRuntime;
  let server: OmniServer;
  let acme: Tenant;

  const login = async (email: string, password = PASSWORD, ip = '10.0.0.1') =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      remoteAddress: ip,
    });

  const loggedIn = async (email: string): Promise<Login> => {
    const response = await login(email);
    expect(response.statusCode).toBe(200);
    const setCookie = String(response.headers['set-cookie']);
    const cookie = /omni_session=([^;]+)/.exec(setCookie)?.[1] ?? '';
    return { cookie: `omni_session=${cookie}`, csrf: response.json().csrf_token, setCookie };
  };

  /** `<name>@acme.test`, password PASSWORD. */
  const acmeUser = (name: string, role: UserRole) =>
    createUser(
      test.runtime.database.db,
      { tenantId: acme.id, email: `${name}@acme.test`, password: PASSWORD, fullName: name, role },
      SYSTEM,
    );

  /** A GET with the session's cookie only (a read needs no CSRF token). */
  const getAs = (who: Login, url: string) =>
    server.app.inject({ url, headers: { cookie: who.cookie } });

  const put = (who: Login, payload: object, csrf: string | undefined = who.csrf) =>
    server.app.inject({
      method: 'PUT',
      url: '/api/v1/tenants/acme',
      headers: { cookie: who.cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      payload,
    });

  beforeAll(async () => {
    test = await openTestRuntime(backend, { LOGIN_MAX_FAILURES: '3', SESSION_TTL_HOURS: '2' });
    server = await buildServer(test.runtime);
    const { db } = test.runtime.database;
    acme = await createTenant(db, { slug: 'acme' }, SYSTEM);
    await createTenant(db, { slug: 'globex' }, SYSTEM);
    for (const role of ['admin', 'operator', 'viewer'] as const) {
      await acmeUser(role, role);
    }
  });
  afterAll(async () => {
    await server?.app.close();
    await test?.close();
  });

  it('sets an httpOnly, SameSite=Lax cookie that expires with the session', async () => {
    const before = Date.now();
    const admin = await loggedIn('ADMIN@acme.test');
    expect(admin.setCookie).toMatch(/HttpOnly/i);
    expect(admin.setCookie).toMatch(/SameSite=Lax/i);
    expect(admin.setCookie).toMatch(/Path=\//);
    expect(admin.setCookie).not.toMatch(/Secure/i);
    const expires = new Date(/Expires=([^;]+)/i.exec(admin.setCookie)?.[1] ?? '').getTime();
    expect(expires).toBeGreaterThan(before + 2 * 3_600_000 - 5_000);
    expect(expires).toBeLessThan(before + 2 * 3_600_000 + 5_000);
    const [stored] = await rows<{ token_hash: string }>(
      test.runtime.database.db,
      `select token_hash from sessions`,
    );
    expect(admin.cookie).not.toContain(stored?.token_hash);
  });

  it('tells who is calling, with the CSRF token, for a session and for an API key', async () => {
    const operator = await loggedIn('operator@acme.test');
    const me = await getAs(operator, '/api/v1/auth/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      tenant_id: acme.id,
      via: 'session',
      permissions: ['write'],
      csrf_token: operator.csrf,
      user: { email: 'operator@acme.test', role: 'operator' },
    });
    const { key, info } = await createApiKey(
      test.runtime.database.db,
      { tenantId: acme.id, permissions: ['read'] },
      SYSTEM,
    );
    const byKey = await server.app.inject({
      url: '/api/v1/auth/me',
      headers: { 'x-api-key': key },
    });
    expect(byKey.json()).toEqual({
      tenant_id: acme.id,
      via: 'api_key',
      permissions: ['read'],
      api_key_id: info.id,
    });
  });

  it('refuses a cookie-authenticated write without the CSRF token, accepts it with the token', async () => {
    const admin = await loggedIn('admin@acme.test');
    const without = await put(admin, { name: 'Acme without token' }, '');
    expect(without.statusCode).toBe(403);
    expect(without.json().error.code).toBe('csrf_failed');
    const wrong = await put(admin, { name: 'Acme wrong token' }, `${admin.csrf}x`);
    expect(wrong.statusCode).toBe(403);
    const ok = await put(admin, { name: 'Acme Inc' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().name).toBe('Acme Inc');
    const [audit] = await rows<{ actor_type: string; actor_id: string }>(
      test.runtime.database.db,
      `select actor_type, actor_id from audit_logs where action = 'tenant.update' order by id desc limit 1`,
    );
    expect(audit).toMatchObject({ actor_type: 'user' });
  });

  it('maps roles onto permissions: a viewer reads, an operator cannot do admin things', async () => {
    const viewer = await loggedIn('viewer@acme.test');
    const read = await getAs(viewer, '/api/v1/tenants/acme');
    expect(read.statusCode).toBe(200);
    const write = await put(viewer, { name: 'viewer was here' });
    expect(write.statusCode).toBe(403);
    expect(write.json().error.message).toMatch(/role \(viewer\)/);
    const operator = await loggedIn('operator@acme.test');
    expect((await put(operator, { name: 'operator was here' })).statusCode).toBe(403);
    const keys = await getAs(operator, '/api/v1/keys');
    expect(keys.statusCode).toBe(403);
  });

  it('ends a session on logout, on the server: the old cookie gets 401', async () => {
    const operator = await loggedIn('operator@acme.test');
    const logout = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: operator.cookie, 'x-csrf-token': operator.csrf },
    });
    expect(logout.statusCode).toBe(204);
    expect(String(logout.headers['set-cookie'])).toMatch(/omni_session=;/);
    const after = await getAs(operator, '/api/v1/auth/me');
    expect(after.statusCode).toBe(401);
    expect(after.json().error.message).toMatch(/log in again/);
  });

  it('refuses a wrong password without saying whether the account exists, and audits logins', async () => {
    const wrong = await login('viewer@acme.test', 'not the password', '10.0.0.2');
    const unknown = await login('nobody@acme.test', 'not the password', '10.0.0.2');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe(unknown.json().error.message);
    const audit = await rows<{ action: string; ip: string }>(
      test.runtime.database.db,
      `select action, ip from audit_logs where action like 'auth.%' order by id`,
    );
    expect(audit.some((a) => a.action === 'auth.login' && a.ip === '10.0.0.1')).toBe(true);
    expect(
      audit.filter((a) => a.action === 'auth.login_failed' && a.ip === '10.0.0.2'),
    ).toHaveLength(2);
    const logged = JSON.stringify(audit);
    expect(logged).not.toContain('not the password');
  });

  it('locks an account after LOGIN_MAX_FAILURES failures, with a clear message; reset-password unlocks', async () => {
    const { db } = test.runtime.database;
    await acmeUser('target', 'viewer');
    for (let i = 0; i < 3; i++)
      expect((await login('target@acme.test', 'guess', `10.1.0.${i}`)).statusCode).toBe(401);
    const locked = await login('target@acme.test', PASSWORD, '10.1.0.9');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('account_locked');
    expect(locked.json().error.message).toMatch(/locked for 15 more minutes.*reset-password/);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    // Other accounts are not affected.
    expect((await login('viewer@acme.test', PASSWORD, '10.1.0.9')).statusCode).toBe(200);
    await resetPassword(db, 'target@acme.test', 'a brand new password', SYSTEM);
    expect((await login('target@acme.test', 'a brand new password', '10.1.0.9')).statusCode).toBe(
      200,
    );
  });

  it('disabling a user or resetting the password ends their sessions at once', async () => {
    const { db } = test.runtime.database;
    await acmeUser('leaver', 'operator');
    const leaver = await loggedIn('leaver@acme.test');
    await disableUser(db, 'leaver@acme.test', SYSTEM);
    const me = await getAs(leaver, '/api/v1/auth/me');
    expect(me.statusCode).toBe(401);
    expect((await login('leaver@acme.test')).statusCode).toBe(401);

    const viewer = await loggedIn('viewer@acme.test');
    await resetPassword(db, 'viewer@acme.test', PASSWORD, SYSTEM);
    const after = await getAs(viewer, '/api/v1/auth/me');
    expect(after.statusCode).toBe(401);
  });

  it('lets an admin manage users and read the audit log of their own tenant', async () => {
    const admin = await loggedIn('admin@acme.test');
    const headers = { cookie: admin.cookie, 'x-csrf-token': admin.csrf };
    const created = await server.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers,
      payload: { email: 'new@acme.test', full_name: 'New', role: 'viewer', password: 'short' },
    });
    expect(created.statusCode).toBe(400);
    expect(created.json().error.message).toMatch(/^body\.password/);
    const ok = await server.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers,
      payload: { email: 'new@acme.test', full_name: 'New', role: 'viewer', password: PASSWORD },
    });
    expect(ok.statusCode).toBe(201);
    const listed = await server.app.inject({ url: '/api/v1/users', headers });
    expect(listed.json().users.map((u: { email: string }) => u.email)).toContain('new@acme.test');
    const disabled = await server.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${ok.json().id}`,
      headers,
    });
    expect(disabled.json().disabled_at).not.toBeNull();

    const audit = await server.app.inject({ url: '/api/v1/audit?limit=200', headers });
    expect(audit.statusCode).toBe(200);
    const entries = audit.json().entries as Array<{
      action: string;
      tenant_id: string;
      ip: string;
    }>;
    expect(entries.every((entry) => entry.tenant_id === acme.id)).toBe(true);
    const actions = entries.map((entry) => entry.action);
    for (const action of ['auth.login', 'user.create', 'user.disable', 'tenant.update'])
      expect(actions).toContain(action);
    const firstPage = await server.app.inject({ url: '/api/v1/audit?limit=2', headers });
    const before = firstPage.json().entries[1].id;
    const next = await server.app.inject({
      url: `/api/v1/audit?limit=2&before=${before}`,
      headers,
    });
    expect(next.json().entries[0].id).toBeLessThan(before);
    const onlyLogins = await server.app.inject({ url: '/api/v1/audit?action=auth.', headers });
    expect(
      onlyLogins.json().entries.every((e: { action: string }) => e.action.startsWith('auth.')),
    ).toBe(true);
  });

  it('validates tenant settings it knows, keeps the ones of other parts', async () => {
    const admin = await loggedIn('admin@acme.test');
    const headers = { cookie: admin.cookie, 'x-csrf-token': admin.csrf };
    const bad = await server.app.inject({
      method: 'PUT',
      url: '/api/companies/acme',
      headers,
      payload: { settings: { escalation: { min_confidence: 2 } } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^body\.settings\.escalation\.min_confidence/);
    const good = await server.app.inject({
      method: 'PUT',
      url: '/api/companies/acme',
      headers,
      payload: {
        custom_instructions: 'Sempre responda em português brasileiro.',
        settings: { maintenance_message: 'Voltamos já.', outbound_webhook_url: 'https://x.test' },
      },
    });
    expect(good.statusCode).toBe(200);
    expect(good.json().settings).toMatchObject({
      custom_instructions: 'Sempre responda em português brasileiro.',
      maintenance_message: 'Voltamos já.',
      outbound_webhook_url: 'https://x.test',
    });
  });

  it('validates the login body and names the field', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'admin@acme.test', password: 42 },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/^body\.password/);
  });
});
