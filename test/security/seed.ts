/**
 * Two tenants with data in every tenant-owned table: "acme" (A, the caller) and "globex" (B, the
 * victim). B's rows carry marker strings that must never appear in an answer to A.
 */
import { requestHandoff } from '../../src/handoff/index.ts';
import type { Runtime } from '../../src/runtime/index.ts';
import { schema } from '../../src/storage/index.ts';
import { createApiKey, createTenant, createUser, type Tenant } from '../../src/tenancy/index.ts';
import { rows } from '../support/sql.ts';

const SYSTEM = { type: 'system' } as const;
export const PASSWORD = 'correct horse battery';

/** Strings only B's rows contain. */
export const B_MARKERS = [
  'Globex Secret Corp',
  'Hank Scorpio',
  '+55 11 98888-7777',
  'the doomsday device is ready',
  'hank@globex.test',
  'globex-integration-key',
];

export interface SeededTenants {
  a: Tenant;
  b: Tenant;
  aAdmin: string;
  aWriter: string;
  aReader: string;
  bAdmin: string;
  bConversationId: string;
  bMessageId: string;
}

export async function seedTwoTenants(runtime: Runtime): Promise<SeededTenants> {
  const { db } = runtime.database;
  const a = await createTenant(db, { slug: 'acme', name: 'Acme' }, SYSTEM);
  const b = await createTenant(db, { slug: 'globex', name: 'Globex Secret Corp' }, SYSTEM);
  const key = async (
    tenant: Tenant,
    permissions: Array<'read' | 'write' | 'admin'>,
    name?: string,
  ) => (await createApiKey(db, { tenantId: tenant.id, permissions, name }, SYSTEM)).key;
  const seeded = {
    a,
    b,
    aAdmin: await key(a, ['admin']),
    aWriter: await key(a, ['read', 'write']),
    aReader: await key(a, ['read']),
    bAdmin: await key(b, ['admin'], 'globex-integration-key'),
  };
  for (const [tenant, email, fullName] of [
    [a, 'admin@acme.test', 'Acme Admin'],
    [b, 'hank@globex.test', 'Hank Scorpio'],
  ] as const) {
    await createUser(
      db,
      { tenantId: tenant.id, email, password: PASSWORD, fullName, role: 'admin' },
      SYSTEM,
    );
  }
  const inbound = async (tenant: Tenant, text: string) =>
    runtime.pipeline.ingest({
      tenantId: tenant.id,
      channel: 'api',
      contact: {
        externalId: `contact-of-${tenant.slug}`,
        name: tenant === b ? 'Hank Scorpio' : 'Wile E.',
        phone: tenant === b ? '+55 11 98888-7777' : '+1 555 0100',
      },
      text,
      externalId: `${tenant.slug}-1`,
    });
  await inbound(a, 'hello from acme');
  const bMessage = await inbound(b, 'the doomsday device is ready');
  // Turns and outbox rows for both.
  while ((await runtime.pipeline.runOnce('inbound')) > 0) {}
  await requestHandoff(db, {
    tenantId: b.id,
    conversationId: bMessage.conversationId,
    reason: 'the doomsday device is ready',
    trigger: 'api',
  });
  await db.insert(schema.deadLetters).values({
    tenantId: b.id,
    queue: 'omni.outbox',
    payload: { conversationId: bMessage.conversationId, note: 'the doomsday device is ready' },
    reason: 'seeded for the isolation test',
  });
  await db.insert(schema.evalRuns).values({
    tenantId: b.id,
    mode: 'simulator',
    total: 1,
    passed: 0,
    failed: 1,
    startedAt: new Date(),
    cases: [{ file: 'globex.yaml', name: 'the doomsday device is ready', status: 'failed' }],
  });
  return {
    ...seeded,
    bConversationId: bMessage.conversationId,
    bMessageId: bMessage.messageId,
  };
}

/** Every id (uuid primary key) of every row B owns, plus B's own id and slug. */
export async function idsOwnedBy(runtime: Runtime, tenant: Tenant): Promise<string[]> {
  const { db } = runtime.database;
  const tables = await rows<{ table_name: string }>(
    db,
    `select c.table_name from information_schema.columns c
       join information_schema.columns i on i.table_name = c.table_name and i.table_schema = c.table_schema
       join information_schema.tables t on t.table_name = c.table_name and t.table_schema = c.table_schema
      where c.table_schema = 'public' and c.column_name = 'tenant_id' and i.column_name = 'id'
        and i.data_type = 'uuid' and t.table_type = 'BASE TABLE'`,
  );
  const ids = [tenant.id, tenant.slug];
  for (const { table_name } of tables) {
    const found = await rows<{ id: string }>(
      db,
      `select id::text as id from "${table_name}" where tenant_id = '${tenant.id}'`,
    );
    ids.push(...found.map((row) => row.id));
  }
  return [...new Set(ids)];
}

/** B's rows in every table, as JSON text, to prove that nothing of B's changed. */
export async function snapshotOf(runtime: Runtime, tenant: Tenant): Promise<string> {
  const { db } = runtime.database;
  const tables = await rows<{ table_name: string }>(
    db,
    `select c.table_name from information_schema.columns c
       join information_schema.tables t on t.table_name = c.table_name and t.table_schema = c.table_schema
      where c.table_schema = 'public' and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'
        and c.table_name <> 'audit_logs'
      order by c.table_name`,
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const found = await rows(
      db,
      `select to_jsonb(x) as row from "${table_name}" x where tenant_id = '${tenant.id}' order by 1`,
    );
    parts.push(`${table_name}: ${JSON.stringify(found)}`);
  }
  return parts.join('\n');
}
