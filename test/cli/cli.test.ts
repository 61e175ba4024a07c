import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOmni, startOmni } from '../support/cli.ts';
import { migratedDataDir } from '../support/database-templates.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { TEST_DATABASE_URL } from '../support/services.ts';

async function freshDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'omni-cli-'));
}

/** A port nobody listens on: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

const json = (text: string) => JSON.parse(text);

describe('omni executable', () => {
  const dirs: string[] = [];
  const dataDir = async () => {
    const dir = await freshDataDir();
    dirs.push(dir);
    return dir;
  };
  /** A folder whose database is initialised and migrated already: for tests of what comes after. */
  const migratedDir = async () => {
    const dir = await migratedDataDir('omni-cli-');
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('prints its version and help for every command', async () => {
    // One process per answer, all at once: each start loads the whole program.
    const commands = ['start', 'api', 'worker', 'migrate', 'doctor', 'health', 'tenant', 'keys'];
    const [version, ...helps] = await Promise.all([
      runOmni(['--version']),
      ...commands.map((command) => runOmni([command, '--help'])),
    ]);
    expect(version?.code).toBe(0);
    expect(version?.stdout.trim()).toBe('0.1.0');
    for (const [index, command] of commands.entries()) {
      expect(helps[index]?.code, command).toBe(0);
      expect(helps[index]?.stdout, command).toContain(`Usage: omni ${command}`);
    }
  });

  it('refuses an invalid variable with exit code 1 and one line naming it', async () => {
    const result = await runOmni(['start'], {
      RATE_LIMIT_RPS: 'abc',
      OMNI_DATA_DIR: await dataDir(),
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('omni: RATE_LIMIT_RPS must be a positive number (got "abc")');
  });

  it('stops with one line when the database cannot be reached', async () => {
    const port = await closedPort();
    const result = await runOmni(['start'], {
      DATABASE_URL: `postgres://omni@127.0.0.1:${port}/omni`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `omni: Cannot connect to PostgreSQL at 127.0.0.1:${port}/omni: connect ECONNREFUSED 127.0.0.1:${port}.`,
    );
  });

  it('refuses an unknown worker role in one line', async () => {
    const result = await runOmni(['worker', '--role', 'bogus']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--role must be one of inbound, dispatcher, integrations, all');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('starts on the embedded database, prints the demo login once, and stops with exit 0', async () => {
    const dir = await dataDir();
    const omni = await startOmni('start', { OMNI_DATA_DIR: dir });
    const health = await fetch(`${omni.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      database: 'connected',
      profile: 'embedded',
    });

    const { stdout, stderr } = omni.output();
    // On stdout (pm2 files stderr as the error log), as text for a person, never in a log line.
    const password = /password (\S+)/.exec(stdout)?.[1];
    const apiKey = /API key\s+(sk_\S+)/.exec(stdout)?.[1];
    expect(password).toBeTruthy();
    expect(apiKey).toBeTruthy();
    expect(stderr).not.toContain(password);
    const logLines = stdout.split('\n').filter((line) => line.startsWith('{'));
    expect(logLines.some((line) => line.includes(password as string))).toBe(false);
    expect(logLines.some((line) => line.includes(apiKey as string))).toBe(false);
    const tenant = await fetch(`${omni.baseUrl}/api/v1/tenants/demo`, {
      headers: { 'x-api-key': apiKey ?? '' },
    });
    expect(tenant.status).toBe(200);

    // With no LLM key the offline responder answers, in pt-BR (issue 4, acceptance 9).
    const headers = { 'x-api-key': apiKey ?? '', 'content-type': 'application/json' };
    const ask = async (contact: string, text: string) => {
      const response = await fetch(`${omni.baseUrl}/api/v1/messages`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ contact: { id: contact }, text }),
      });
      expect(response.status).toBe(202);
      const { conversation_id } = (await response.json()) as { conversation_id: string };
      return async () => {
        const listed = await fetch(
          `${omni.baseUrl}/api/v1/conversations/${conversation_id}/messages`,
          { headers },
        );
        const { messages } = (await listed.json()) as {
          messages: Array<{ author: string; text: string }>;
        };
        return messages.find((m) => m.author === 'bot')?.text ?? '';
      };
    };
    const greeting = await ask('ana', 'Oi!');
    const human = await ask('bia', 'quero falar com um atendente');
    await expect.poll(greeting, { timeout: 15_000 }).toContain('Olá');
    await expect.poll(human, { timeout: 15_000 }).toContain('atendente humano');
    // Without any model, asking for a person still hands the conversation over.
    const waiting = await fetch(
      `${omni.baseUrl}/api/v1/conversations?controlled_by=pending_human`,
      {
        headers,
      },
    );
    expect(((await waiting.json()) as { conversations: unknown[] }).conversations).toHaveLength(1);

    const second = await runOmni(['start'], { OMNI_DATA_DIR: dir, PORT: '0' });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('is in use by another Omni process');

    expect(await omni.stop('SIGINT')).toBe(0);
    expect(omni.output().stdout).toContain('shutdown complete');

    const again = await startOmni('start', { OMNI_DATA_DIR: dir });
    expect(again.output().stderr).not.toContain('password');
    expect(await again.stop('SIGTERM')).toBe(0);
  });

  it('creates tenants and keys from the shell, and a revoked key stops working', async () => {
    const env = { OMNI_DATA_DIR: await migratedDir() };
    const tenant = await runOmni(['tenant', 'create', 'acme', '--name', 'Acme Inc', '--json'], env);
    expect(tenant.code).toBe(0);
    expect(json(tenant.stdout)).toMatchObject({ slug: 'acme', name: 'Acme Inc' });

    const duplicate = await runOmni(['tenant', 'create', 'acme'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr.trim()).toBe('omni: A tenant with slug "acme" already exists.');

    const created = await runOmni(
      ['keys', 'create', '--tenant', 'acme', '--permissions', 'read,write', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    const { id, key, permissions } = json(created.stdout);
    expect(key).toMatch(/^sk_/);
    expect(permissions).toEqual(['read', 'write']);

    const listed = await runOmni(['keys', 'list', '--tenant', 'acme', '--json'], env);
    expect(json(listed.stdout).map((k: { id: string }) => k.id)).toEqual([id]);
    expect(listed.stdout).not.toContain(key);

    const badPermissions = await runOmni(
      ['keys', 'create', '--tenant', 'acme', '--permissions', 'root'],
      env,
    );
    expect(badPermissions.code).toBe(1);

    const omni = await startOmni('start', env);
    const headers = { authorization: `Bearer ${key}` };
    expect((await fetch(`${omni.baseUrl}/api/v1/tenants/acme`, { headers })).status).toBe(200);
    expect(await omni.stop()).toBe(0);

    const revoked = await runOmni(['keys', 'revoke', id, '--json'], env);
    expect(revoked.code).toBe(0);
    expect(json(revoked.stdout).revoked_at).not.toBeNull();

    const restarted = await startOmni('start', env);
    expect((await fetch(`${restarted.baseUrl}/api/v1/tenants/acme`, { headers })).status).toBe(401);
    expect(await restarted.stop()).toBe(0);
  });

  it('runs doctor: passes on a healthy setup, fails naming the broken part', async () => {
    const healthy = await runOmni(['doctor'], { OMNI_DATA_DIR: await dataDir() });
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/^✓ config\s+valid \(embedded profile\)$/m);
    expect(healthy.stdout).toMatch(/^✓ database\s+PGlite at .+ reachable/m);
    expect(healthy.stdout).toMatch(/^- redis\s+not configured/m);
    expect(healthy.stdout).toMatch(/^! llm\s+no provider key set/m);

    const port = await closedPort();
    const broken = await runOmni(['doctor', '--json'], {
      DATABASE_URL: `postgres://omni@127.0.0.1:${port}/omni`,
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    expect(broken.code).toBe(1);
    const report = json(broken.stdout);
    expect(report.ok).toBe(false);
    const outcome = (name: string) => report.checks.find((c: { name: string }) => c.name === name);
    expect(outcome('database')).toMatchObject({ outcome: 'fail' });
    expect(outcome('database').detail).toContain('ECONNREFUSED');
    expect(outcome('redis')).toMatchObject({ outcome: 'fail' });

    const invalid = await runOmni(['doctor'], { PORT: 'eighty' });
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/^✗ config\s+PORT must be/m);
  });

  it('monitors a running instance with omni health', async () => {
    const omni = await startOmni('start', { OMNI_DATA_DIR: await migratedDir() });
    const once = await runOmni(['health', '--url', omni.baseUrl]);
    expect(once.code).toBe(0);
    expect(once.stdout).toMatch(/HEALTHY \(SAUDÁVEL\).*http=200.*database=connected/);
    expect(await omni.stop()).toBe(0);

    const gone = await runOmni(['health', '--url', omni.baseUrl, '--timeout', '2']);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toContain('UNREACHABLE (INACESSÍVEL)');
  });
});

describe.skipIf(!TEST_DATABASE_URL)('omni executable on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('migrates by hand, then starts, serves health and stops with exit 0', async () => {
    const env = { DATABASE_URL: database.url, AUTO_MIGRATE: 'false' };
    const before = await runOmni(['doctor'], env);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/^✗ database .*migrations pending and AUTO_MIGRATE=false/m);

    const migrated = await runOmni(['migrate', '--json'], env);
    expect(migrated.code).toBe(0);
    expect(json(migrated.stdout).applied).toBeGreaterThan(0);
    expect((await runOmni(['doctor'], env)).code).toBe(0);

    const omni = await startOmni('start', env);
    const health = await fetch(`${omni.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ database: 'connected', profile: 'postgres' });
    expect(omni.output().stderr).not.toContain('password');
    expect(await omni.stop('SIGTERM')).toBe(0);
  });

  it('runs the API and a worker as separate processes on the same database', async () => {
    const env = { DATABASE_URL: database.url };
    const api = await startOmni('api', env);
    const worker = await startOmni(
      ['worker', '--role', 'dispatcher'],
      env,
      /"msg":"worker roles ready"/,
    );
    expect(worker.output().stdout).toContain('"roles":["dispatcher"]');
    const tenant = await runOmni(['tenant', 'create', 'split', '--json'], env);
    expect(tenant.code).toBe(0);
    const key = json(
      (await runOmni(['keys', 'create', '--tenant', 'split', '--json'], env)).stdout,
    ).key;
    expect(
      (await fetch(`${api.baseUrl}/api/v1/tenants/split`, { headers: { 'x-api-key': key } }))
        .status,
    ).toBe(200);
    expect(await api.stop()).toBe(0);
    expect(await worker.stop()).toBe(0);
  });
});
