import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHandoff, takeOver } from '../../src/handoff/index.ts';
import { setSwitch } from '../../src/storage/index.ts';
import {
  BACKENDS,
  CHATWOOT_TOKEN,
  eventually,
  type HandoffFixture,
  openHandoffFixture,
} from './fixture.ts';

/** Issue 7 acceptance 4 and 5: Slack notifications and the Chatwoot bridge, against simulators. */
// On the most production-like backends this run has (PostgreSQL and Redis when configured).
const backends = BACKENDS[BACKENDS.length - 1];

describe(`handoff integrations (${backends?.database} database, ${backends?.queue} queue)`, () => {
  let omni: HandoffFixture;
  beforeAll(async () => {
    omni = await openHandoffFixture({ backends });
  });
  afterAll(() => omni?.close());

  it('Slack gets one notification per handoff even when its first two attempts fail (429 Retry-After, then 500)', async () => {
    const first = await omni.contactSays('slack-1', 'hi');
    const second = await omni.contactSays('slack-2', 'hello');
    const postsBefore = omni.slack.posts.length;
    omni.slack.failNext(1, 429, '1');
    omni.slack.failNext(1, 500);
    const attemptsBefore = omni.slack.attempts;
    const asked = Date.now();
    for (const conversationId of [first, second]) {
      await requestHandoff(omni.runtime.database.db, {
        tenantId: omni.tenantId,
        conversationId,
        reason: 'customer asked for a person',
        trigger: 'tool',
      });
    }
    // A human taking a conversation over needs nobody to come: no notice.
    const taken = await omni.contactSays('slack-5', 'hola');
    await takeOver(omni.runtime.database.db, {
      tenantId: omni.tenantId,
      conversationId: taken,
      trigger: 'operator',
    });
    // Asked twice: still one episode, so still one notification.
    await requestHandoff(omni.runtime.database.db, {
      tenantId: omni.tenantId,
      conversationId: first,
      reason: 'asked again',
      trigger: 'escalation',
    });
    await eventually(() => omni.slack.posts.length >= postsBefore + 2, 20_000, 'two notices');
    // Retry-After: 1 was honoured before the second attempt.
    expect(Date.now() - asked).toBeGreaterThanOrEqual(1_000);
    await sleep(2_000);
    const posts = omni.slack.posts.slice(postsBefore);
    expect(posts).toHaveLength(2);
    expect(omni.slack.attempts - attemptsBefore).toBe(4);
    expect(posts.map((p) => p.text).join('\n')).toContain(first);
    expect(posts.map((p) => p.text).join('\n')).toContain(second);
    expect(posts[0]?.text).toContain('Human handoff requested');
    const [row] = await omni.query<{ n: number }>(
      `select count(*)::int as n from integration_deliveries where target = 'slack' and status = 'enviada'`,
    );
    expect(row?.n).toBe(2);
  });

  it('a refusal from Slack (404 channel_not_found) is not retried: the notice is dead-lettered', async () => {
    const id = await omni.contactSays('slack-4', 'hey');
    const attemptsBefore = omni.slack.attempts;
    omni.slack.failNext(1, 404);
    await requestHandoff(omni.runtime.database.db, {
      tenantId: omni.tenantId,
      conversationId: id,
      reason: 'x',
      trigger: 'tool',
    });
    const row = await eventually(
      async () =>
        (
          await omni.query<{ status: string; attempts: number; last_error: string }>(
            `select d.status, d.attempts, d.last_error from integration_deliveries d
               join handoffs h on d.dedupe_key = 'slack:handoff:' || h.id
              where h.conversation_id = '${id}' and d.status = 'dlq'`,
          )
        )[0],
      10_000,
      'the dead notice',
    );
    expect(row).toMatchObject({ attempts: 1, last_error: expect.stringContaining('404') });
    expect(omni.slack.attempts - attemptsBefore).toBe(1);
  });

  it('with integrations switched off nothing is sent; switched on, the waiting notice goes out', async () => {
    const { db } = omni.runtime.database;
    await setSwitch(db, 'integrations', false, 'test');
    const before = omni.slack.posts.length;
    const id = await omni.contactSays('slack-3', 'oi');
    await requestHandoff(db, {
      tenantId: omni.tenantId,
      conversationId: id,
      reason: 'x',
      trigger: 'tool',
    });
    await sleep(2_000);
    expect(omni.slack.posts.length).toBe(before);
    await setSwitch(db, 'integrations', true, 'test');
    await eventually(() => omni.slack.posts.length === before + 1, 10_000, 'the held notice');
  });

  it('Chatwoot: mirrored conversation, handoff sets it open, an agent reply reaches the contact, pending gives it back to the bot', async () => {
    const id = await omni.contactSays('cw-1', 'my internet is down');
    await eventually(() => omni.received().includes('my internet is down'), 10_000, 'bot reply');
    const twin = await omni.chatwootTwinOf(id);
    const mirrored = omni.chatwoot.conversations.get(twin);
    expect(mirrored?.customAttributes).toEqual({ omni_conversation_id: id });
    await eventually(() => (mirrored?.messages.length ?? 0) >= 2, 10_000, 'the mirrored messages');
    expect(mirrored?.messages.map((m) => [m.message_type, m.content])).toEqual([
      ['incoming', 'my internet is down'],
      ['outgoing', 'my internet is down'],
    ]);
    expect(mirrored?.status).toBe('pending');

    // The bot hands off: Chatwoot shows it `open` (a human's queue); Omni waits for the human.
    await requestHandoff(omni.runtime.database.db, {
      tenantId: omni.tenantId,
      conversationId: id,
      reason: 'technical issue',
      trigger: 'tool',
    });
    await eventually(() => mirrored?.status === 'open', 10_000, 'status open in Chatwoot');
    expect(await omni.controllerOf(id)).toBe('pending_human');

    // The agent answers in Chatwoot: the contact gets it through Omni's channel.
    await omni.chatwoot.agentReplies(twin, 'A technician is on the way.');
    await eventually(
      () => omni.received().includes('A technician is on the way.'),
      10_000,
      'the agent reply at the contact',
    );
    expect(await omni.controllerOf(id)).toBe('human');
    // The contact writes: mirrored to Chatwoot, not answered by the bot.
    await omni.contactSays('cw-1', 'thank you!');
    await eventually(
      () => mirrored?.messages.some((m) => m.content === 'thank you!'),
      10_000,
      'the contact message in Chatwoot',
    );
    await sleep(500);
    expect(omni.received()).not.toContain('thank you!');
    // The agent's reply is not posted back to Chatwoot, and our posts' echoes were not replies.
    expect(
      mirrored?.messages.filter((m) => m.content === 'A technician is on the way.'),
    ).toHaveLength(1);
    expect(omni.received().filter((text) => text === 'my internet is down')).toHaveLength(1);

    // The agent sets the conversation back to pending: the bot answers again.
    await omni.chatwoot.agentSetsStatus(twin, 'pending');
    expect(await omni.controllerOf(id)).toBe('bot');
    await omni.contactSays('cw-1', 'one more question');
    await eventually(() => omni.received().includes('one more question'), 10_000, 'bot again');
    // The end of the human stretch is mirrored as a private note written for people: the
    // marker's instruction to the model stays out of Chatwoot.
    await eventually(
      () => mirrored?.messages.some((m) => m.private && m.content.includes('Human handling ended')),
      10_000,
      'the release note',
    );
    expect(mirrored?.messages.some((m) => m.content.includes('do not repeat'))).toBe(false);
  });

  it('Chatwoot: the handoff label or status open set by an agent takes the conversation over', async () => {
    const id = await omni.contactSays('cw-2', 'hello there');
    const twin = await omni.chatwootTwinOf(id);
    await omni.chatwoot.agentLabels(twin, ['vip', 'humano']);
    expect(await omni.controllerOf(id)).toBe('human');
    await omni.chatwoot.agentSetsStatus(twin, 'pending');
    expect(await omni.controllerOf(id)).toBe('bot');
    await omni.chatwoot.agentSetsStatus(twin, 'open');
    expect(await omni.controllerOf(id)).toBe('human');
    // Late status calls of earlier episodes must not flip Chatwoot, and Omni with it, back and forth.
    await sleep(2_500);
    expect(await omni.controllerOf(id)).toBe('human');
    expect(omni.chatwoot.conversations.get(twin)?.status).toBe('open');
  });

  it('Chatwoot: a conversation resolved in Omni is resolved in Chatwoot', async () => {
    const id = await omni.contactSays('cw-3', 'quick question');
    const twin = await omni.chatwootTwinOf(id);
    await omni.api('POST', `/api/v1/conversations/${id}/handoff`);
    await eventually(
      () => omni.chatwoot.conversations.get(twin)?.status === 'open',
      10_000,
      'open',
    );
    await omni.api('POST', `/api/v1/conversations/${id}/resolve`);
    await eventually(
      () => omni.chatwoot.conversations.get(twin)?.status === 'resolved',
      10_000,
      'resolved in Chatwoot',
    );
  });

  it('the Chatwoot webhook refuses a wrong token and an unknown tenant', async () => {
    const post = (path: string) =>
      fetch(`${omni.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'conversation_opened', id: 1 }),
      });
    expect((await post('/webhooks/chatwoot/acme?token=wrong')).status).toBe(401);
    expect((await post('/webhooks/chatwoot/acme')).status).toBe(401);
    expect((await post(`/webhooks/chatwoot/nobody?token=${CHATWOOT_TOKEN}`)).status).toBe(404);
    const unknown = await post(`/webhooks/chatwoot/acme?token=${CHATWOOT_TOKEN}`);
    expect(await unknown.json()).toEqual({ outcome: 'unknown_conversation' });
  });
});
