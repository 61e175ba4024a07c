import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HandoffError,
  onHandoffChange,
  release,
  releaseIdleConversations,
  requestHandoff,
  resolve,
  takeOver,
} from '../../src/handoff/index.ts';
import { schema } from '../../src/storage/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { rows } from '../support/sql.ts';

describe('handoff state machine', () => {
  let test: TestRuntime;
  let tenantId: string;
  const conversations: string[] = [];

  beforeAll(async () => {
    test = await openTestRuntime('pglite');
    const { db } = test.runtime.database;
    tenantId = (await createTenant(db, { slug: 'acme' }, { type: 'system' })).id;
    for (const contact of ['5511900000001', '5511900000002', '5511900000003']) {
      const result = await test.runtime.pipeline.ingest({
        tenantId,
        channel: 'rest',
        contact: { externalId: contact },
        text: 'oi',
      });
      conversations.push(result.conversationId);
    }
  });
  afterAll(() => test.close());

  const controller = async (id: string) =>
    (
      await rows<{ controlled_by: string; status: string }>(
        test.runtime.database.db,
        `select controlled_by, status from conversations where id = '${id}'`,
      )
    )[0];

  it('request → take over → release, one episode, a marker summarising the human stretch', async () => {
    const { db } = test.runtime.database;
    const id = conversations[0] as string;
    const changes: string[] = [];
    const stop = onHandoffChange((change) => changes.push(`${change.type}:${change.trigger}`));

    const first = await requestHandoff(db, {
      tenantId,
      conversationId: id,
      reason: 'customer asked for a person',
      trigger: 'tool',
    });
    expect(first).toMatchObject({ changed: true, controlledBy: 'pending_human' });
    expect(first.handoff?.status).toBe('pendente');
    const again = await requestHandoff(db, {
      tenantId,
      conversationId: id,
      reason: 'asked twice',
      trigger: 'escalation',
    });
    expect(again.changed).toBe(false);
    expect(again.handoff?.id).toBe(first.handoff?.id);
    expect((await controller(id))?.controlled_by).toBe('pending_human');

    const taken = await takeOver(db, { tenantId, conversationId: id, trigger: 'operator' });
    expect(taken.handoff).toMatchObject({ id: first.handoff?.id, status: 'aceito' });
    expect((await controller(id))?.controlled_by).toBe('human');
    expect((await takeOver(db, { tenantId, conversationId: id, trigger: 'phone' })).changed).toBe(
      false,
    );

    await db.insert(schema.messages).values({
      tenantId,
      conversationId: id,
      direction: 'outbound',
      author: 'operator',
      channel: 'rest',
      body: 'Your refund was approved today.',
      status: 'sent',
    });
    const released = await release(db, { tenantId, conversationId: id, trigger: 'operator' });
    expect(released.handoff?.status).toBe('resolvido');
    expect((await controller(id))?.controlled_by).toBe('bot');
    const [marker] = await rows<{ author: string; body: string; content: { kind: string } }>(
      db,
      `select author, body, content from messages where conversation_id = '${id}' and author = 'system'`,
    );
    expect(marker?.content.kind).toBe('handoff_marker');
    expect(marker?.body).toContain('Your refund was approved today.');
    expect((await release(db, { tenantId, conversationId: id, trigger: 'operator' })).changed).toBe(
      false,
    );
    stop();
    expect(changes).toEqual(['requested:tool', 'taken:operator', 'released:operator']);
  });

  it('a take-over without a request opens an accepted episode; a pending one released is cancelled', async () => {
    const { db } = test.runtime.database;
    const direct = await takeOver(db, {
      tenantId,
      conversationId: conversations[1] as string,
      trigger: 'phone',
    });
    expect(direct.handoff).toMatchObject({ status: 'aceito', trigger: 'phone' });
    const pending = await requestHandoff(db, {
      tenantId,
      conversationId: conversations[2] as string,
      reason: 'low confidence',
      trigger: 'escalation',
    });
    const cancelled = await release(db, {
      tenantId,
      conversationId: conversations[2] as string,
      trigger: 'api',
    });
    expect(cancelled.handoff).toMatchObject({ id: pending.handoff?.id, status: 'cancelado' });
    const resolved = await resolve(db, {
      tenantId,
      conversationId: conversations[1] as string,
      trigger: 'operator',
    });
    expect(resolved.handoff?.status).toBe('resolvido');
    expect(await controller(conversations[1] as string)).toEqual({
      controlled_by: 'bot',
      status: 'resolved',
    });
  });

  it('idle release returns a conversation left with a human for HANDOFF_IDLE_RELEASE_MIN to the bot', async () => {
    const { db } = test.runtime.database;
    const idle = (
      await test.runtime.pipeline.ingest({
        tenantId,
        channel: 'rest',
        contact: { externalId: '5511900000009' },
        text: 'anyone there?',
      })
    ).conversationId;
    await takeOver(db, { tenantId, conversationId: idle, trigger: 'phone' });
    const busy = conversations[0] as string;
    await takeOver(db, { tenantId, conversationId: busy, trigger: 'operator' });
    expect(await releaseIdleConversations(db, 5)).toBe(0);
    // Nothing happened on the first one for 6 minutes.
    await rows(
      db,
      `update conversations set updated_at = now() - interval '6 minutes',
              last_message_at = now() - interval '6 minutes' where id = '${idle}'`,
    );
    await rows(
      db,
      `update handoffs set created_at = now() - interval '6 minutes',
              updated_at = now() - interval '6 minutes', accepted_at = now() - interval '6 minutes'
        where conversation_id = '${idle}'`,
    );
    expect(await releaseIdleConversations(db, 5)).toBe(1);
    expect((await controller(idle))?.controlled_by).toBe('bot');
    expect((await controller(busy))?.controlled_by).toBe('human');
    const [episode] = await rows<{ status: string; release_trigger: string }>(
      db,
      `select status, release_trigger from handoffs where conversation_id = '${idle}'`,
    );
    expect(episode).toEqual({ status: 'resolvido', release_trigger: 'idle' });
  });

  it('refuses a conversation of another tenant', async () => {
    const { db } = test.runtime.database;
    const other = await createTenant(db, { slug: 'other' }, { type: 'system' });
    await expect(
      takeOver(db, {
        tenantId: other.id,
        conversationId: conversations[0] as string,
        trigger: 'api',
      }),
    ).rejects.toBeInstanceOf(HandoffError);
  });
});
