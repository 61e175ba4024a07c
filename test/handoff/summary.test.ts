import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHandoff } from '../../src/handoff/index.ts';
import { eventually, type HandoffFixture, openHandoffFixture } from './fixture.ts';

/**
 * Issue 15 acceptance 6: the operator who takes over gets a summary — why, what the contact wants,
 * what the bot answered, the lead's fields — stored on the handoff, returned with the conversation
 * for the dashboard, in the Slack notice and as a private note on the Chatwoot twin.
 */
describe('handoff summary', () => {
  let omni: HandoffFixture;
  // PGlite and the Postgres queue: this file needs no Redis database of its own.
  beforeAll(async () => {
    omni = await openHandoffFixture({ backends: { database: 'pglite', queue: 'postgres' } });
  });
  afterAll(() => omni?.close());

  it('reaches the handoff row, the conversation API, Slack and Chatwoot (private note)', async () => {
    const id = await omni.contactSays('sum-1', 'My fridge arrived broken, order 4512');
    await eventually(() => omni.received().includes('My fridge arrived broken, order 4512'));
    await omni.contactSays('sum-1', 'I want a replacement, not a refund');
    await eventually(() => omni.received().includes('I want a replacement, not a refund'));
    await omni.query(
      `insert into leads (tenant_id, contact_id, conversation_id, name, email)
       select tenant_id, contact_id, id, 'Rita Lima', 'rita@example.com' from conversations where id = '${id}'`,
    );
    const postsBefore = omni.slack.posts.length;

    await requestHandoff(omni.runtime.database.db, {
      tenantId: omni.tenantId,
      conversationId: id,
      reason: 'damaged delivery',
      trigger: 'tool',
    });

    const [stored] = await omni.query<{ summary: Record<string, unknown> }>(
      `select summary from handoffs where conversation_id = '${id}'`,
    );
    expect(stored?.summary).toEqual({
      reason: 'damaged delivery',
      wants: ['My fridge arrived broken, order 4512', 'I want a replacement, not a refund'],
      // The fixture's support agent echoes the contact.
      answered: ['My fridge arrived broken, order 4512', 'I want a replacement, not a refund'],
      lead: { name: 'Rita Lima', email: 'rita@example.com' },
    });

    const { body } = await omni.api<{ handoff_summary: { reason: string; wants: string[] } }>(
      'GET',
      `/api/v1/conversations/${id}`,
    );
    expect(body.handoff_summary).toMatchObject({
      reason: 'damaged delivery',
      wants: ['My fridge arrived broken, order 4512', 'I want a replacement, not a refund'],
    });

    const notice = await eventually(
      () => omni.slack.posts.slice(postsBefore).find((p) => p.text?.includes(id))?.text,
      15_000,
      'the Slack notice',
    );
    expect(notice).toContain('Summary for the agent');
    expect(notice).toContain('What the contact wants:\n  • My fridge arrived broken, order 4512');
    expect(notice).toContain('What the bot already answered:');
    expect(notice).toContain('Lead fields: name: Rita Lima; email: rita@example.com');

    const twin = await omni.chatwootTwinOf(id);
    const note = await eventually(
      () =>
        omni.chatwoot.conversations
          .get(twin)
          ?.messages.find((m) => m.private && m.content.includes('Summary for the agent')),
      15_000,
      'the private note',
    );
    expect(note?.content).toContain('Reason: damaged delivery');
    expect(note?.content).toContain('I want a replacement, not a refund');
    expect(omni.chatwoot.conversations.get(twin)?.status).toBe('open');
  });
});
