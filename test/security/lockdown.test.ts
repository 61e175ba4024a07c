import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import {
  createApiKey,
  createTenant,
  createUser,
  lockdown,
  readSwitches,
  switchDefaults,
} from '../../src/tenancy/index.ts';
import { runOmni } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { BACKENDS, TEST_DATABASE_URL, TEST_SECRET_KEY } from '../support/services.ts';
import { rows } from '../support/sql.ts';

const SYSTEM = { type: 'system' } as const;
const PASSWORD = 'correct horse battery';

/** Two tenants, each with a key and a logged-in admin; returns their credentials. */
async function seedCredentials(server: OmniServer, runtime: Runtime) {
  const { db } = runtime.database;
  const credentials: Array<{ key: string; cookie: string }> = [];
  for (const slug of ['acme', 'globex']) {
    const tenant = await createTenant(db, { slug }, SYSTEM);
    const { key } = await createApiKey(db, { tenantId: tenant.id, permissions: ['admin'] }, SYSTEM);
    await createUser(
      db,
      {
        tenantId: tenant.id,
        email: `admin@${slug}.test`,
        password: PASSWORD,
        fullName: slug,
        role: 'admin',
      },
      SYSTEM,
    );
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: `admin@${slug}.test`, password: PASSWORD },
    });
    const cookie = /omni_session=[^;]+/.exec(String(login.headers['set-cookie']))?.[0] ?? '';
    credentials.push({ key, cookie });
  }
  return credentials;
}

async function statuses(server: OmniServer, credentials: Array<{ key: string; cookie: string }>) {
  const answers: number[] = [];
  for (const { key, cookie } of credentials) {
    for (const headers of [{ 'x-api-key': key }, { cookie }]) {
      answers.push((await server.app.inject({ url: '/api/v1/auth/me', headers })).statusCode);
    }
  }
  return answers;
}

describe.each(BACKENDS)('security lockdown on %s', (backend) => {
  let test: TestRuntime;
  let server: OmniServer;
  beforeAll(async () => {
    test = await openTestRuntime(backend);
    server = await buildServer(test.runtime);
  });
  afterAll(async () => {
    await server?.app.close();
    await test?.close();
  });

  it('revokes every key, ends every session, switches integrations off and audits it', async () => {
    const credentials = await seedCredentials(server, test.runtime);
    expect(await statuses(server, credentials)).toEqual([200, 200, 200, 200]);
    const { db } = test.runtime.database;
    const report = await lockdown(db, { type: 'cli' });
    expect(report).toEqual({ keysRevoked: 2, sessionsEnded: 2, tenants: ['acme', 'globex'] });
    expect(await statuses(server, credentials)).toEqual([401, 401, 401, 401]);
    expect((await readSwitches(db, switchDefaults(test.runtime.config))).integrations).toBe(false);
    const [audit] = await rows<{ actor_type: string; details: { keysRevoked: number } }>(
      db,
      `select actor_type, details from audit_logs where action = 'security.lockdown'`,
    );
    expect(audit).toMatchObject({ actor_type: 'cli', details: { keysRevoked: 2 } });
    // Logging in again works (lockdown ends sessions, it does not disable people).
    const again = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'admin@acme.test', password: PASSWORD },
    });
    expect(again.statusCode).toBe(200);
  });
});

describe.skipIf(!TEST_DATABASE_URL)('the operator commands, as an operator runs them', () => {
  let database: TestDatabase;
  let runtime: Runtime;
  let server: OmniServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url, OMNI_SECRET_KEY: TEST_SECRET_KEY };
    runtime = await openRuntime(loadConfig(env), { logger: createLogger('silent') });
    server = await buildServer(runtime);
  });
  afterAll(async () => {
    await server?.app.close();
    await runtime?.close();
    await database?.drop();
  });

  it('omni users, maintenance, integrations and security lockdown', async () => {
    const credentials = await seedCredentials(server, runtime);
    const created = await runOmni(
      ['users', 'create', 'ops@acme.test', '--tenant', 'acme', '--role', 'viewer', '--json'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const [user, password] = [
      JSON.parse(created.stdout.slice(0, created.stdout.lastIndexOf('}') + 1)),
      created.stdout.trim().split('\n').pop(),
    ];
    expect(user).toMatchObject({ email: 'ops@acme.test', role: 'viewer' });
    const list = await runOmni(['users', 'list', '--tenant', 'acme', '--json'], env);
    expect(JSON.parse(list.stdout).map((u: { email: string }) => u.email)).toEqual([
      'admin@acme.test',
      'ops@acme.test',
    ]);
    const login = await server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'ops@acme.test', password },
    });
    expect(login.statusCode).toBe(200);
    const badRole = await runOmni(
      ['users', 'create', 'x@acme.test', '--tenant', 'acme', '--role', 'root'],
      env,
    );
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/Role must be one of admin, operator, viewer/);
    const reset = await runOmni(['users', 'reset-password', 'ops@acme.test'], env);
    expect(reset.code).toBe(0);
    const disabled = await runOmni(['users', 'disable', 'ops@acme.test'], env);
    expect(disabled.stderr).toMatch(/Disabled ops@acme.test/);

    const config = await runOmni(
      ['tenant', 'config', 'set', 'acme', 'escalation', '{"min_confidence": 0.7}', '--json'],
      env,
    );
    expect(config.code, config.stderr).toBe(0);
    expect(JSON.parse(config.stdout).settings.escalation).toEqual({ min_confidence: 0.7 });

    const maintenance = await runOmni(['maintenance', 'partial', '--json'], env);
    expect(maintenance.code).toBe(0);
    expect(JSON.parse(maintenance.stdout)).toMatchObject({ maintenance: 'partial' });
    expect((await runOmni(['integrations', 'off'], env)).stderr).toMatch(/Integrations off/);
    expect((await runOmni(['maintenance', 'off'], env)).code).toBe(0);

    // Not from a terminal: nothing happens without --yes.
    const refused = await runOmni(['security', 'lockdown'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/run it with --yes to confirm/);
    const result = await runOmni(['security', 'lockdown', '--yes'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/2 API keys revoked, 2 sessions ended, integrations off/);
    expect(result.stderr).toContain('omni keys create --tenant acme --permissions read,write');
    expect(await statuses(server, credentials)).toEqual([401, 401, 401, 401]);
  }, 400_000);
});
