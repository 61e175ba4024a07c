import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../../src/ops/index.ts';
import { type Db, schema } from '../../src/storage/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { runOmni } from '../support/cli.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { BACKENDS, TEST_DATABASE_URL } from '../support/services.ts';
import { rows } from '../support/sql.ts';

const NOW = new Date('2026-06-01T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

/** Rows at fixed ages around the 90-day (and 30-day sent outbox) lines; returns their ids. */
async function seedAges(db: Db) {
  const tenant = await createTenant(db, { slug: 'acme' }, { type: 'system' });
  const tenantId = tenant.id;
  const contact = async (externalId: string, updated: number) => {
    const [row] = await db
      .insert(schema.contacts)
      .values({
        tenantId,
        channel: 'api',
        externalId,
        updatedAt: daysAgo(updated),
        createdAt: daysAgo(updated),
      })
      .returning();
    return row?.id as string;
  };
  const conversation = async (contactId: string, created: number, last: number) => {
    const [row] = await db
      .insert(schema.conversations)
      .values({
        tenantId,
        contactId,
        channel: 'api',
        status: 'resolved',
        createdAt: daysAgo(created),
        lastMessageAt: daysAgo(last),
      })
      .returning();
    return row?.id as string;
  };
  const message = async (conversationId: string, age: number) => {
    const [row] = await db
      .insert(schema.messages)
      .values({
        tenantId,
        conversationId,
        direction: 'outbound',
        author: 'bot',
        channel: 'api',
        body: `${age} days old`,
        status: 'sent',
        createdAt: daysAgo(age),
      })
      .returning();
    return row?.id as string;
  };
  const turn = async (conversationId: string, age: number) => {
    const [row] = await db
      .insert(schema.turns)
      .values({
        tenantId,
        conversationId,
        status: 'answered',
        fencingToken: 1,
        startedAt: daysAgo(age),
      })
      .returning();
    return row?.id as string;
  };
  const outbox = async (
    conversationId: string,
    messageId: string,
    status: 'enviada' | 'falhou',
    age: number,
  ) => {
    const [row] = await db
      .insert(schema.outbox)
      .values({
        tenantId,
        conversationId,
        messageId,
        channel: 'api',
        idempotencyKey: `${messageId}-${status}`,
        status,
        enviadaEm: status === 'enviada' ? daysAgo(age) : null,
        updatedAt: daysAgo(age),
        createdAt: daysAgo(age),
      })
      .returning();
    return row?.id as string;
  };

  const oldContact = await contact('old', 100);
  const newContact = await contact('new', 5);
  const oldConversation = await conversation(oldContact, 120, 100);
  const newConversation = await conversation(newContact, 95, 5);
  await message(oldConversation, 120);
  const m2 = await message(oldConversation, 100);
  await message(newConversation, 95);
  const m4 = await message(newConversation, 89);
  const m5 = await message(newConversation, 5);
  const t1 = await turn(oldConversation, 100);
  const t2 = await turn(newConversation, 95);
  const t3 = await turn(newConversation, 5);
  await outbox(oldConversation, m2, 'enviada', 100);
  await outbox(newConversation, m4, 'enviada', 40);
  const o3 = await outbox(newConversation, m5, 'enviada', 5);
  const o4 = await outbox(newConversation, m4, 'falhou', 40);
  await db.insert(schema.messageEvents).values([
    { tenantId, messageId: m4, state: 'queued', createdAt: daysAgo(95) },
    { tenantId, messageId: m5, state: 'sent', createdAt: daysAgo(5) },
  ]);
  const letters = await db
    .insert(schema.deadLetters)
    .values([
      { tenantId, queue: 'omni.outbox', payload: {}, reason: 'old', createdAt: daysAgo(91) },
      { tenantId, queue: 'omni.outbox', payload: {}, reason: 'recent', createdAt: daysAgo(89) },
    ])
    .returning();
  await db.insert(schema.llmAttempts).values([
    {
      tenantId,
      provider: 'openai',
      model: 'm',
      phase: 'reply',
      outcome: 'ok',
      latencyMs: 1,
      createdAt: daysAgo(100),
    },
    {
      tenantId,
      provider: 'openai',
      model: 'm',
      phase: 'reply',
      outcome: 'ok',
      latencyMs: 1,
      turnId: t3,
      createdAt: daysAgo(1),
    },
  ]);
  return { newContact, newConversation, m4, m5, t1, t2, t3, o3, o4, recentLetter: letters[1]?.id };
}

const ids = async (db: Db, table: string) =>
  (await rows<{ id: string }>(db, `select id::text as id from ${table} order by id`))
    .map((r) => r.id)
    .sort();

describe.each(BACKENDS)('retention on %s', (backend) => {
  let test: TestRuntime;
  beforeAll(async () => {
    test = await openTestRuntime(backend);
  });
  afterAll(async () => test?.close());

  it('removes exactly the rows older than 90 days (sent outbox: 30), after a dry run that removes nothing', async () => {
    const { db } = test.runtime.database;
    const seeded = await seedAges(db);
    const expected = {
      outbox: 2,
      message_events: 1,
      llm_attempts: 1,
      turns: 2,
      messages: 3,
      conversations: 1,
      contacts: 1,
      dead_letters: 1,
      sessions: 0,
    };
    const policy = { days: 90, sentOutboxDays: 30, now: NOW };
    const before = await rows(db, 'select count(*)::int as n from messages');
    expect(await applyRetention(db, { ...policy, dryRun: true })).toEqual(expected);
    expect(await rows(db, 'select count(*)::int as n from messages')).toEqual(before);

    expect(await applyRetention(db, policy)).toEqual(expected);
    expect(await ids(db, 'contacts')).toEqual([seeded.newContact]);
    expect(await ids(db, 'conversations')).toEqual([seeded.newConversation]);
    expect(await ids(db, 'messages')).toEqual([seeded.m4, seeded.m5].sort());
    expect(await ids(db, 'turns')).toEqual([seeded.t3]);
    expect(await ids(db, 'outbox')).toEqual([seeded.o3, seeded.o4].sort());
    expect(await ids(db, 'dead_letters')).toEqual([seeded.recentLetter]);
    expect((await rows(db, 'select state from message_events')).map((r) => r.state)).toEqual([
      'sent',
    ]);
    expect(await rows(db, 'select count(*)::int as n from llm_attempts')).toEqual([{ n: 1 }]);
    // A second run finds nothing more.
    const again = await applyRetention(db, policy);
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
  });
});

describe.skipIf(!TEST_DATABASE_URL)('omni cleanup', () => {
  let test: TestRuntime;
  beforeAll(async () => {
    test = await openTestRuntime('postgres');
  });
  afterAll(async () => test?.close());

  it('reports with --dry-run, then deletes what is older than --days', async () => {
    const { db } = test.runtime.database;
    await seedAges(db);
    // The rows were seeded relative to a date in the past: from today they are all older than 1 day.
    const env = { DATABASE_URL: test.runtime.config.DATABASE_URL ?? '' };
    const dry = await runOmni(['cleanup', '--days', '1', '--dry-run', '--json'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      days: 1,
      dry_run: true,
      removed: { messages: 5 },
    });
    expect(await rows(db, 'select count(*)::int as n from messages')).toEqual([{ n: 5 }]);
    const real = await runOmni(['cleanup', '--days', '1'], env);
    expect(real.stderr).toMatch(/^Deleted \(older than 1 days\): .*messages 5/m);
    expect(await rows(db, 'select count(*)::int as n from messages')).toEqual([{ n: 0 }]);
  });
});
