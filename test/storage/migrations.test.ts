import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/index.ts';
import { type Database, openDatabase } from '../../src/storage/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';
import { TEST_DATABASE_URL } from '../support/services.ts';
import { rows } from '../support/sql.ts';

const logger = createLogger('silent');

/** Everything a migration shapes, in a form two servers can be compared by. */
async function describeSchema(database: Database) {
  const { db } = database;
  return {
    columns: await rows(
      db,
      `select table_name, column_name, data_type, udt_name, is_nullable, column_default
         from information_schema.columns where table_schema = 'public'
        order by table_name, column_name`,
    ),
    constraints: await rows(
      db,
      `select conrelid::regclass::text as table_name, conname, pg_get_constraintdef(oid) as definition
         from pg_constraint
        -- PostgreSQL 18 (PGlite) also lists NOT NULL as constraints; is_nullable above covers them.
        where connamespace = 'public'::regnamespace and contype <> 'n'
        order by 1, 2`,
    ),
    indexes: await rows(
      db,
      `select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by 1, 2`,
    ),
    views: (
      await rows<{ table_name: string; definition: string }>(
        db,
        `select table_name, view_definition as definition from information_schema.views
          where table_schema = 'public' order by 1`,
      )
    ).map((v) => ({
      ...v,
      // Servers of different versions deparse a view with or without `table.` before each column.
      definition: v.definition
        .replace(/\b[a-z_]+\.(?=[a-z_])/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    })),
    migrations: await rows(db, 'select hash from drizzle.__drizzle_migrations order by id'),
  };
}

const CORE_TABLES = [
  'api_keys',
  'audit_logs',
  'contacts',
  'conversations',
  'handoffs',
  'messages',
  'outbox',
  'sessions',
  'tenants',
  'turns',
  'users',
];

describe('migrations on PGlite', () => {
  let pglite: Database;
  beforeAll(async () => {
    pglite = await openDatabase({ kind: 'pglite', logger });
  });
  afterAll(() => pglite.close());

  it('create every core table, the runbook views and their indexes', async () => {
    const first = await pglite.migrate();
    expect(first.applied).toBeGreaterThan(0);
    expect(first.applied).toBe(first.total);
    const schema = await describeSchema(pglite);
    const tables = new Set(schema.columns.map((c) => c.table_name));
    for (const table of CORE_TABLES) expect(tables, table).toContain(table);
    expect(schema.views.map((v) => v.table_name)).toEqual(['fila_mensagens', 'interacoes']);
    expect(schema.indexes.map((i) => i.indexname)).toEqual(
      expect.arrayContaining([
        'conversations_tenant_status_idx',
        'messages_conversation_created_idx',
        'outbox_status_next_attempt_idx',
        'messages_external_uq',
        'handoffs_status_created_idx',
      ]),
    );
  });

  it('apply nothing the second time', async () => {
    const again = await pglite.migrate();
    expect(again.applied).toBe(0);
    const status = await pglite.migrationStatus();
    expect(status.applied).toBe(status.available);
  });

  it('let the runbooks’ SQL run as written', async () => {
    const { db } = pglite;
    // Seed 001's queries, verbatim.
    await rows(db, "SELECT COUNT(*) FROM conversations WHERE status = 'active'");
    await rows(db, "SELECT COUNT(*) FROM fila_mensagens WHERE status = 'pendente'");
    await rows(db, "SELECT * FROM handoffs WHERE status = 'pendente' ORDER BY created_at DESC");
    await rows(db, 'SELECT * FROM interacoes ORDER BY created_at DESC LIMIT 10');
    await rows(
      db,
      "DELETE FROM fila_mensagens WHERE status = 'enviada' AND enviada_em < NOW() - INTERVAL '30 days'",
    );
    await rows(db, "DELETE FROM interacoes WHERE created_at < NOW() - INTERVAL '90 days'");
  });
});

describe.skipIf(!TEST_DATABASE_URL)('migrations on PostgreSQL', () => {
  let target: TestDatabase;
  let postgres: Database;
  let pglite: Database;
  beforeAll(async () => {
    target = await createTestDatabase();
    postgres = await openDatabase({ kind: 'postgres', url: target.url, poolSize: 2, logger });
    pglite = await openDatabase({ kind: 'pglite', logger });
  });
  afterAll(async () => {
    await postgres?.close();
    await pglite?.close();
    await target?.drop();
  });

  it('apply once even when several processes start together', async () => {
    const results = await Promise.all([postgres.migrate(), postgres.migrate(), postgres.migrate()]);
    expect(results.map((r) => r.applied).reduce((a, b) => a + b)).toBe(results[0]?.total);
  });

  it('produce the same schema as on PGlite', async () => {
    await pglite.migrate();
    const [onPostgres, onPglite] = await Promise.all([
      describeSchema(postgres),
      describeSchema(pglite),
    ]);
    expect(onPostgres.columns.length).toBeGreaterThan(100);
    expect(onPostgres).toEqual(onPglite);
  });
});
