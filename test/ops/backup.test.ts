import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup, restoreBackup } from '../../src/ops/index.ts';
import type { Db } from '../../src/storage/index.ts';
import { createSession, getUser, recordAudit } from '../../src/tenancy/index.ts';
import { seedTwoTenants } from '../security/seed.ts';
import { runOmni } from '../support/cli.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { BACKENDS, TEST_DATABASE_URL } from '../support/services.ts';
import { rows } from '../support/sql.ts';

/** Every table's rows, as PostgreSQL prints them, in primary-key order. */
async function everyTable(db: Db): Promise<Record<string, string[]>> {
  const tables = await rows<{ table_name: string }>(
    db,
    `select table_name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  const result: Record<string, string[]> = {};
  for (const { table_name } of tables) {
    const found = await rows<{ text: string }>(
      db,
      `select row_to_json(x)::text as text from "${table_name}" x order by 1`,
    );
    result[table_name] = found.map((row) => row.text).sort();
  }
  return result;
}

describe.each(BACKENDS)('backup and restore on %s', (backend) => {
  let source: TestRuntime;
  let target: TestRuntime;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omni-backup-'));
    source = await openTestRuntime(backend, { DEBOUNCE_MS: '0', DEBOUNCE_MAX_MS: '0' });
    target = await openTestRuntime(backend);
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('restores into an empty database with every table equal, and refuses a non-empty one without --force', async () => {
    const { db } = source.runtime.database;
    const seeded = await seedTwoTenants(source.runtime);
    const admin = await getUser(db, 'admin@acme.test');
    await createSession(db, { user: admin, ttlMs: 60_000, ip: '10.0.0.1' });
    await recordAudit(db, {
      tenantId: seeded.a.id,
      actor: { type: 'cli' },
      action: 'unicode.check',
      details: { text: '👩‍👩‍👧‍👦 \u202e "quoted"\ttab\nnewline \\ backslash', cost: 0.00012345 },
    });
    await rows(
      db,
      `update turns set cost_usd = 0.00012345, guardrail_flags = '{pii,"with space"}'`,
    );
    const original = await everyTable(db);
    expect(original.messages?.length).toBeGreaterThan(0);
    expect(original.turns?.length).toBeGreaterThan(0);

    const file = join(dir, 'snapshot.jsonl.gz');
    const progress: string[] = [];
    const report = await createBackup(db, file, (table) => progress.push(table));
    expect(report.tables.messages).toBe(original.messages?.length);
    // Parents first: a tenant before its keys, a conversation before its messages.
    expect(progress.indexOf('tenants')).toBeLessThan(progress.indexOf('api_keys'));
    expect(progress.indexOf('conversations')).toBeLessThan(progress.indexOf('messages'));

    const restored = await restoreBackup(target.runtime.database.db, file);
    expect(restored.tenants).toBe(2);
    expect(await everyTable(target.runtime.database.db)).toEqual(original);

    // Ids keep counting after the restored ones.
    await recordAudit(target.runtime.database.db, {
      tenantId: null,
      actor: { type: 'cli' },
      action: 'after.restore',
    });

    await expect(restoreBackup(target.runtime.database.db, file)).rejects.toThrow(
      /already holds data \(.*tenants.*\); restore with --force/,
    );
    await restoreBackup(target.runtime.database.db, file, { force: true });
    expect(await everyTable(target.runtime.database.db)).toEqual(original);

    const junk = join(dir, 'junk.gz');
    await writeFile(junk, 'not a backup');
    await expect(restoreBackup(target.runtime.database.db, junk)).rejects.toThrow(
      /not an Omni backup/,
    );
  });
});

describe.skipIf(!TEST_DATABASE_URL)('omni backup and omni restore', () => {
  let source: TestRuntime;
  let target: TestRuntime;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omni-backup-cli-'));
    source = await openTestRuntime('postgres');
    target = await openTestRuntime('postgres');
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('backs up from one database and restores into another, refusing without --force', async () => {
    await seedTwoTenants(source.runtime);
    const file = join(dir, 'cli.jsonl.gz');
    const env = (runtime: TestRuntime) => ({
      DATABASE_URL: runtime.runtime.config.DATABASE_URL ?? '',
    });
    const backup = await runOmni(['backup', '--out', file], env(source));
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toMatch(/messages: \d+ rows/);
    const restore = await runOmni(['restore', file], env(target));
    expect(restore.code, restore.stderr).toBe(0);
    expect(await everyTable(target.runtime.database.db)).toEqual(
      await everyTable(source.runtime.database.db),
    );
    const again = await runOmni(['restore', file], env(target));
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/^omni: The database already holds data .* --force/);
  });
});
