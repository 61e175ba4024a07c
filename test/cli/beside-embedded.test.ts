/**
 * The operator's commands work while `omni start` holds the embedded database: they reach it
 * through the database the running process shares on 127.0.0.1 (the runbooks' SQL too).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOmni, runOmni, startOmni } from '../support/cli.ts';
import { copyMigratedDatabase } from '../support/database-templates.ts';

describe('the CLI beside a running embedded Omni', () => {
  let dir: string;
  let omni: RunningOmni;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omni-beside-'));
    env = { OMNI_DATA_DIR: await copyMigratedDatabase(join(dir, 'data')) };
    omni = await startOmni('start', env);
  });

  afterAll(async () => {
    await omni?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const omniOk = async (...args: string[]) => {
    const result = await runOmni(args, env);
    expect(result.stderr).not.toMatch(/in use by another Omni process/);
    expect(result.code, `omni ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result;
  };

  it('announces how to reach the database with psql', () => {
    expect(omni.output().stdout).toMatch(/psql postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres/);
  });

  it('switches maintenance on and off', async () => {
    const on = await omniOk('maintenance', 'on', '--json');
    expect(JSON.parse(on.stdout)).toMatchObject({ maintenance: 'full' });
    // The running process reads the switch the CLI wrote through its shared database.
    expect((await fetch(`${omni.baseUrl}/demo`)).status).toBe(503);
    const off = await omniOk('maintenance', 'off', '--json');
    expect(JSON.parse(off.stdout)).toMatchObject({ maintenance: 'off' });
    expect((await fetch(`${omni.baseUrl}/demo`)).status).toBe(200);
  });

  it('lists users, the queues and the dead letters', async () => {
    const users = await omniOk('users', 'list', '--json');
    expect(JSON.parse(users.stdout).length).toBeGreaterThan(0);
    await omniOk('queue', 'stats', '--json');
    await omniOk('dlq', 'list', '--json');
  });

  it('ingests knowledge the running process then finds', async () => {
    const source = join(dir, 'faq.md');
    await writeFile(source, '# Horário\n\nAtendemos de segunda a sexta, das 9h às 18h.\n');
    const ingested = await omniOk('kb', 'ingest', '--tenant', 'demo', '--source', source, '--json');
    expect(JSON.parse(ingested.stdout)[0]).toMatchObject({ status: 'created' });
  });

  it('writes a backup and restores it', async () => {
    const file = join(dir, 'backup.jsonl.gz');
    const backup = await omniOk('backup', '--out', file, '--json');
    const tables = JSON.parse(backup.stdout).tables;
    expect(tables.tenants).toBeGreaterThan(0);
    const restored = await omniOk('restore', file, '--force', '--json');
    expect(JSON.parse(restored.stdout)).toMatchObject({ tenants: tables.tenants });
  });

  it("answers the runbooks' SQL (what psql does)", async () => {
    const url = (await readFile(join(dir, 'data', 'sql.url'), 'utf8')).trim();
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT COUNT(*)::int AS n FROM fila_mensagens WHERE status = 'pendente'",
      );
      expect(rows[0].n).toBeGreaterThanOrEqual(0);
      const documents = await client.query('SELECT count(*)::int AS n FROM kb_documents');
      expect(documents.rows[0].n).toBe(1);
    } finally {
      await client.end();
    }
  });
});
