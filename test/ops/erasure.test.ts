import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHandoff } from '../../src/handoff/index.ts';
import { eraseContact, exportContact, findContact } from '../../src/ops/index.ts';
import { type Db, schema } from '../../src/storage/index.ts';
import { createTenant, recordAudit } from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { BACKENDS } from '../support/services.ts';
import { rows } from '../support/sql.ts';

const PHONE = '+55 11 97777-1234';
const NAME = 'Maria Erasmo da Silva';
const EMAIL = 'maria.erasmo@example.com';

/** Every table's rows as JSON text, with the table name. */
async function everyRow(db: Db): Promise<Array<{ table: string; text: string }>> {
  const tables = await rows<{ table_name: string }>(
    db,
    `select table_name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  const found: Array<{ table: string; text: string }> = [];
  for (const { table_name } of tables) {
    const table = await rows<{ text: string }>(
      db,
      `select row_to_json(x)::text as text from "${table_name}" x`,
    );
    found.push(...table.map((row) => ({ table: table_name, text: row.text })));
  }
  return found;
}

function holding(all: Array<{ table: string; text: string }>, needle: string) {
  return all.filter((row) => row.text.includes(needle)).map((row) => row.table);
}

describe.each(BACKENDS)('contact export and erasure on %s', (backend) => {
  let test: TestRuntime;
  beforeAll(async () => {
    test = await openTestRuntime(backend);
  });
  afterAll(async () => test?.close());

  it('exports every message, then erasure leaves no row with the phone, name or e-mail', async () => {
    const { db } = test.runtime.database;
    const { pipeline } = test.runtime;
    const tenant = await createTenant(db, { slug: 'acme' }, { type: 'system' });
    const send = (externalId: string, name: string, phone: string, text: string) =>
      pipeline.ingest({
        tenantId: tenant.id,
        channel: 'api',
        contact: { externalId, name, phone, email: externalId === 'maria' ? EMAIL : undefined },
        text,
      });
    const first = await send('maria', NAME, PHONE, `Oi, sou ${NAME}, meu telefone é ${PHONE}`);
    await send('wile', 'Wile E. Coyote', '+1 555 0100', 'I need more rockets');
    while ((await pipeline.runOnce('inbound')) > 0) {}
    // Her identity copied elsewhere: a queued signal, an audit detail, a dead letter, an LLM error.
    await send('maria', NAME, PHONE, 'me liga nesse número, por favor');
    await requestHandoff(db, {
      tenantId: tenant.id,
      conversationId: first.conversationId,
      reason: `${NAME} pediu um humano`,
      trigger: 'api',
    });
    await recordAudit(db, {
      tenantId: tenant.id,
      actor: { type: 'system' },
      action: 'lead.update',
      details: { phone: PHONE, name: NAME, digits: PHONE.replace(/\D/g, '') },
    });
    await db.insert(schema.deadLetters).values({
      tenantId: tenant.id,
      queue: 'omni.outbox',
      payload: { conversationId: first.conversationId, to: PHONE },
      reason: 'seeded',
    });
    await db.insert(schema.llmAttempts).values({
      tenantId: tenant.id,
      provider: 'openai',
      model: 'm',
      phase: 'reply',
      outcome: 'error',
      error: `refused to repeat ${EMAIL}`,
      latencyMs: 1,
    });

    const contact = await findContact(db, tenant.id, PHONE);
    expect(contact.displayName).toBe(NAME);
    const exported = await exportContact(db, contact);
    expect(exported.messages.filter((m) => m.direction === 'inbound')).toHaveLength(2);
    expect(JSON.stringify(exported)).toContain(PHONE);
    expect(JSON.stringify(exported)).not.toContain('rockets');

    const before = await everyRow(db);
    // The handoff's summary for operators quotes what she wrote.
    expect(new Set(holding(before, PHONE))).toEqual(
      new Set(['contacts', 'messages', 'audit_logs', 'dead_letters', 'handoffs']),
    );
    const report = await eraseContact(db, contact, { type: 'cli' });
    expect(report.conversations).toBe(1);

    const after = await everyRow(db);
    for (const needle of [PHONE, PHONE.replace(/\D/g, ''), NAME, EMAIL, 'me liga nesse número']) {
      expect(holding(after, needle), needle).toEqual([]);
    }
    // The other contact is untouched, and the erasure is audited without the identity.
    expect(holding(after, 'I need more rockets')).toEqual(['messages']);
    expect(holding(after, 'Wile E. Coyote')).toEqual(['contacts']);
    const [audit] = await rows<{ target_id: string }>(
      db,
      `select target_id from audit_logs where action = 'contact.erase'`,
    );
    expect(audit?.target_id).toBe(contact.id);
    await expect(findContact(db, tenant.id, PHONE)).rejects.toThrow(/No contact/);
  });
});
