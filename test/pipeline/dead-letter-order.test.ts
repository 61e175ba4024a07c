/**
 * Issue 13, acceptance 4: order holds even through the dead-letter queue. A dead-lettered head of
 * a conversation keeps the replies behind it waiting (counted as "blocked by dead letter");
 * replay sends the head and then the rest in order; discard drops the head and releases the rest.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchConversation } from '../../src/pipeline/dispatch.ts';
import { discardDeadLetter, getDeadLetter, listDeadLetters } from '../../src/pipeline/index.ts';
import { eventually } from '../support/eventually.ts';
import { rows } from '../support/sql.ts';
import { countRows, type Harness, openHarness, QUEUE_BACKENDS } from './harness.ts';

/** Not used by any other test file. */
const REDIS_DB = 4;

describe.each(QUEUE_BACKENDS)('a dead-lettered head on the %s queue', (backend) => {
  let harness: Harness;
  afterEach(async () => {
    await harness?.close();
  });

  /** The head fails for good (400); then `later` replies are committed behind it. */
  async function deadHeadWith(later: string[]) {
    harness = await openHarness(backend, { redisDb: REDIS_DB });
    harness.webhook.failNext(1, 400);
    const { body } = await harness.send('ordem', 'primeira');
    const conversationId = String(body.conversation_id);
    const [letter] = await eventually(
      async () => {
        const open = await listDeadLetters(harness.test.runtime.pipeline.deps);
        return open.length > 0 ? open : undefined;
      },
      20_000,
      'the head to be dead-lettered',
    );
    // One at a time, so each is its own turn and its own reply.
    for (const [index, text] of later.entries()) {
      await harness.send('ordem', text);
      await eventually(
        async () =>
          (await countRows(
            harness,
            `select count(*) as n from outbox where conversation_id = '${conversationId}'`,
          )) ===
          index + 2,
        20_000,
        `the reply to "${text}"`,
      );
    }
    // A dispatcher working the conversation now sends nothing: the dead head still blocks it.
    const pass = await dispatchConversation(harness.test.runtime.pipeline.deps, {
      tenantId: harness.tenantId,
      conversationId,
    });
    expect(pass.sent).toBe(0);
    expect(harness.webhook.requests).toBe(1);
    expect(harness.webhook.deliveries).toHaveLength(0);
    return { conversationId, letterId: String(letter?.id) };
  }

  const overview = async () =>
    (
      await harness.server.app.inject({
        url: '/api/v1/stats/overview',
        headers: { 'x-api-key': harness.key },
      })
    ).json();

  const delivered = () => harness.webhook.deliveries.map((d) => d.body.text);

  it('holds every later reply behind it, shows them blocked, and replay delivers all in order', async () => {
    const { letterId } = await deadHeadWith(['segunda', 'terceira']);

    await eventually(
      async () => (await overview()).blocked_by_dead_letter === 2,
      10_000,
      'two replies blocked',
    );
    expect(await harness.metric('outbox_blocked_by_dead_letter')).toBe(2);

    const replay = await harness.server.app.inject({
      method: 'POST',
      url: `/api/v1/dlq/${letterId}/replay`,
      headers: { 'x-api-key': harness.key },
    });
    expect(replay.statusCode).toBe(200);
    await eventually(() => harness.webhook.deliveries.length === 3, 20_000, 'three deliveries');
    expect(delivered()).toEqual(['eco: primeira', 'eco: segunda', 'eco: terceira']);
    expect((await overview()).blocked_by_dead_letter).toBe(0);
  });

  it('discard drops the head for good, audited, and releases the rest in order', async () => {
    const { conversationId, letterId } = await deadHeadWith(['segunda', 'terceira']);
    const { deps } = harness.test.runtime.pipeline;
    const letter = await getDeadLetter(deps, letterId);
    expect(letter).toBeDefined();
    expect(
      await discardDeadLetter(deps, letter as NonNullable<typeof letter>, { type: 'cli' }),
    ).toBe('discarded');
    expect(
      await discardDeadLetter(deps, letter as NonNullable<typeof letter>, { type: 'cli' }),
    ).toBe('already_resolved');

    // The end state is the outbox's: a delivery reaches the channel before its send is recorded.
    const statuses = async () =>
      (
        await rows<{ status: string }>(
          harness.test.runtime.database.db,
          `select status from outbox where conversation_id = '${conversationId}' order by created_at, id`,
        )
      ).map((o) => o.status);
    await eventually(
      async () => (await statuses()).join() === 'cancelada,enviada,enviada',
      60_000,
      'the two later replies recorded as sent',
    );
    expect(delivered()).toEqual(['eco: segunda', 'eco: terceira']);
    expect(await listDeadLetters(deps)).toHaveLength(0);
    const [audit] = await rows<{ actor_type: string; details: { reason: string } }>(
      harness.test.runtime.database.db,
      `select actor_type, details from audit_logs where action = 'dlq.discard' and target_id = '${letterId}'`,
    );
    expect(audit).toMatchObject({ actor_type: 'cli', details: { reason: 'permanent_failure' } });
  });
});
