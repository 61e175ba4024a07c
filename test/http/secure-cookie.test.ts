/**
 * Issue 14, acceptance 5: behind an https PUBLIC_URL (TLS ends at a proxy, Omni itself hears
 * plain http) the session cookie carries `Secure`, and keeps HttpOnly and SameSite=Lax.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createTenant, createUser } from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';

const SYSTEM = { type: 'system' } as const;
const PASSWORD = 'correct horse battery';

describe('the session cookie behind an https PUBLIC_URL', () => {
  let test: TestRuntime;
  let server: OmniServer;

  beforeAll(async () => {
    test = await openTestRuntime('pglite', { PUBLIC_URL: 'https://omni.example.com' });
    server = await buildServer(test.runtime);
    const { db } = test.runtime.database;
    const acme = await createTenant(db, { slug: 'acme' }, SYSTEM);
    await createUser(
      db,
      {
        tenantId: acme.id,
        email: 'admin@acme.test',
        password: PASSWORD,
        fullName: 'A',
        role: 'admin',
      },
      SYSTEM,
    );
  });
  afterAll(async () => {
    await server?.app.close();
    await test?.close();
  });

  it('is Secure, HttpOnly and SameSite=Lax', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'admin@acme.test', password: PASSWORD },
    });
    expect(response.statusCode).toBe(200);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/omni_session=/);
    expect(setCookie).toMatch(/;\s*Secure/i);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
  });
});
