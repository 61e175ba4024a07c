import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeOver } from '../../src/handoff/index.ts';
import { setPaused } from '../../src/pipeline/index.ts';
import { createApiKey, createTenant } from '../../src/tenancy/index.ts';
import { BACKENDS, eventually, type HandoffFixture, openHandoffFixture } from './fixture.ts';

/** Issue 7 acceptance 1–3 over real HTTP, with the gateway answering against the LLM simulator. */
describe.each(BACKENDS)(
  'handoff through the pipeline ($database database, $queue queue)',
  (backends) => {
    let omni: HandoffFixture;
    beforeAll(async () => {
      omni = await openHandoffFixture({ backends });
    });
    afterAll(() => omni?.close());

    const rowAppears = (query: string, what: string) =>
      eventually(async () => (await omni.query(query)).length > 0, 10_000, what);

    it('a bot reply being generated when the operator takes over is never delivered; the operator’s is', async () => {
      omni.llm.behave({ latencyMs: 1_500 });
      const id = await omni.contactSays('race-1', 'I want to cancel my order');
      // The turn is running: the model has the request and is "thinking".
      await eventually(() => omni.llm.requests.length > 0, 10_000, 'the model call');
      const taken = await omni.api('POST', `/api/v1/conversations/${id}/handoff`, {
        reason: 'customer is upset',
      });
      expect(taken.status).toBe(200);
      expect(taken.body).toMatchObject({ controlled_by: 'human', handoff: { status: 'aceito' } });
      const reply = await omni.api('POST', `/api/v1/conversations/${id}/messages`, {
        text: 'Hi, I am Ana from support. I cancelled it for you.',
      });
      expect(reply.status).toBe(202);

      await eventually(
        () => omni.received().includes('Hi, I am Ana from support. I cancelled it for you.'),
        10_000,
        "the operator's reply",
      );
      // Once the turn has ended (router and agent calls both slow), its reply was discarded.
      const turnStatus = async () =>
        (
          await omni.query<{ status: string }>(
            `select status from turns where conversation_id = '${id}'`,
          )
        )[0]?.status;
      await eventually(async () => (await turnStatus()) !== 'running', 20_000, 'the turn end');
      expect(await turnStatus()).toBe('discarded');
      await sleep(1_000);
      expect(omni.received()).toEqual(['Hi, I am Ana from support. I cancelled it for you.']);
      const [inbound] = await omni.query<{ status: string }>(
        `select status from messages where conversation_id = '${id}' and author = 'contact'`,
      );
      expect(inbound?.status).toBe('awaiting_human');
      omni.llm.behave({});
    });

    it('a bot reply already in the outbox when a human takes over is cancelled at send time', async () => {
      const deps = { db: omni.runtime.database.db };
      await setPaused(deps, 'dispatcher', true, 'test');
      // Workers re-read the pause switch every second.
      await sleep(1_500);
      try {
        const id = await omni.contactSays('race-2', 'where is my parcel?');
        await rowAppears(
          `select 1 from outbox where conversation_id = '${id}' and status = 'pendente'`,
          'the committed bot reply',
        );
        await omni.api('POST', `/api/v1/conversations/${id}/handoff`);
        await omni.api('POST', `/api/v1/conversations/${id}/messages`, { text: 'Ana here.' });
        await setPaused(deps, 'dispatcher', false, 'test');
        await eventually(() => omni.received().includes('Ana here.'), 10_000, 'the operator reply');
        const outbox = () =>
          omni.query<{ status: string; author: string }>(
            `select o.status, m.author from outbox o join messages m on m.id = o.message_id
              where o.conversation_id = '${id}' order by o.created_at`,
          );
        // The contact may have the reply a moment before the outbox row records it.
        await eventually(
          async () => (await outbox()).every((row) => row.status !== 'enviando'),
          5_000,
          'the settled outbox',
        );
        expect(await outbox()).toEqual([
          { status: 'cancelada', author: 'bot' },
          { status: 'enviada', author: 'operator' },
        ]);
        expect(omni.received()).not.toContain('where is my parcel?');
      } finally {
        await setPaused(deps, 'dispatcher', false, 'test');
      }
    });

    it('after a take-over from the phone the bot stays silent until release; then it answers, with the human-stretch marker in its prompt', async () => {
      const id = await omni.contactSays('phone-1', 'hello');
      await eventually(() => omni.received().includes('hello'), 10_000, 'the first bot reply');

      // What the channels' Evolution webhook does on a fromMe message.
      await takeOver(omni.runtime.database.db, {
        tenantId: omni.tenantId,
        conversationId: id,
        trigger: 'phone',
      });
      expect(await omni.controllerOf(id)).toBe('human');
      await omni.api('POST', `/api/v1/conversations/${id}/messages`, {
        text: 'Your refund of R$ 120 was approved today.',
      });
      await omni.contactSays('phone-1', 'thanks, when does it arrive?');
      await rowAppears(
        `select 1 from messages where conversation_id = '${id}' and status = 'awaiting_human'`,
        'the message left to the human',
      );
      await sleep(500);
      expect(omni.received()).toEqual(expect.not.arrayContaining(['thanks, when does it arrive?']));

      const released = await omni.api('POST', `/api/v1/conversations/${id}/release`);
      expect(released.body).toMatchObject({
        controlled_by: 'bot',
        handoff: { status: 'resolvido' },
      });
      const before = omni.llm.requests.length;
      await omni.contactSays('phone-1', 'is the refund done?');
      await eventually(() => omni.received().includes('is the refund done?'), 10_000, 'bot answer');

      const prompt = JSON.stringify(omni.llm.requests.slice(before).at(-1)?.body);
      expect(prompt).toContain('[Human agent] A human agent handled this conversation');
      expect(prompt).toContain('Your refund of R$ 120 was approved today.');
      // The contact's message during the stretch was for the human, not answered late by the bot.
      expect(omni.received()).not.toContain('thanks, when does it arrive?');

      const messages = await omni.api<{ messages: Array<{ author: string }> }>(
        'GET',
        `/api/v1/conversations/${id}/messages`,
      );
      expect(messages.body.messages.map((m) => m.author)).toEqual([
        'contact',
        'bot',
        'operator',
        'contact',
        'system',
        'contact',
        'bot',
      ]);
    });

    it('lists handoffs and counts them by trigger', async () => {
      const listed = await omni.api<{ handoffs: Array<{ trigger: string }> }>(
        'GET',
        '/api/v1/handoffs?status=resolvido',
      );
      expect(listed.status).toBe(200);
      expect(listed.body.handoffs.map((h) => h.trigger)).toContain('phone');
      const metrics = await omni.runtime.metrics.registry.getSingleMetricAsString('handoffs_total');
      expect(metrics).toMatch(/handoffs_total\{trigger="phone"\} [1-9]/);
      expect(metrics).toMatch(/handoffs_total\{trigger="api"\} [1-9]/);
      // Another tenant's key sees neither the conversation nor its episodes.
      const { db } = omni.runtime.database;
      const other = await createTenant(db, { slug: 'other' }, { type: 'system' });
      const { key } = await createApiKey(
        db,
        { tenantId: other.id, permissions: ['write'] },
        { type: 'system' },
      );
      const [conversation] = await omni.query<{ id: string }>(
        'select id from conversations limit 1',
      );
      const foreign = await fetch(
        `${omni.baseUrl}/api/v1/conversations/${conversation?.id}/release`,
        {
          method: 'POST',
          headers: { 'x-api-key': key },
        },
      );
      expect(foreign.status).toBe(404);
      const theirs = await fetch(`${omni.baseUrl}/api/v1/handoffs`, {
        headers: { 'x-api-key': key },
      });
      expect(await theirs.json()).toEqual({ handoffs: [] });
      const missing = await omni.api(
        'POST',
        '/api/v1/conversations/00000000-0000-4000-8000-000000000000/handoff',
      );
      expect(missing.status).toBe(404);
    });
  },
);
