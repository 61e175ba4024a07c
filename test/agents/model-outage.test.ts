/**
 * Issue 13, acceptance 5: every provider failing, then recovering. A model outage is not a
 * handoff: the turns wait and are retried, each contact hears one holding message per outage at
 * most, nobody is left `pending_human`, and every message is answered by a model afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_MESSAGES } from '../../src/agents/messages.ts';
import { eventually } from '../support/eventually.ts';
import { BACKENDS } from '../support/services.ts';
import { type AgentFixture, openAgentFixture } from './fixture.ts';
import { isRouting, route } from './model-script.ts';

const MODEL_ANSWER = 'O prazo de entrega é de 3 dias úteis.';

describe.each(BACKENDS)('a model outage (%s)', (backend) => {
  let omni: AgentFixture;
  beforeAll(async () => {
    omni = await openAgentFixture(backend);
  }, 60_000);
  afterAll(() => omni?.close());

  it('waits for the providers: one holding message per conversation, no handoff, every message answered after recovery', async () => {
    let down = true;
    omni.script = (request) => {
      if (down) return { status: 500 };
      return isRouting(request) ? route('support', 'question', 0.9) : { answer: MODEL_ANSWER };
    };
    const holding = AGENT_MESSAGES['pt-BR'].holding;
    const count = (text: string) => omni.received().filter((t) => t === text).length;
    const contacts = ['ana', 'bruno', 'carla'];
    for (const contact of contacts) await omni.contactSays(contact, 'Qual o prazo de entrega?');
    await eventually(() => count(holding) === contacts.length, 30_000, 'the holding messages');

    // More messages during the same outage: the turns wait again, no second holding message.
    for (const contact of contacts) await omni.contactSays(contact, 'Alô? Tem alguém aí?');
    const waited = async () =>
      (
        await omni.query<{ n: number }>(
          "select count(*)::int as n from turns where error like 'models_unavailable:%'",
        )
      )[0]?.n ?? 0;
    await eventually(
      async () => (await waited()) >= contacts.length * 2,
      30_000,
      'the turns to wait',
    );
    expect(
      await omni.query("select id from conversations where controlled_by <> 'bot'"),
    ).toHaveLength(0);

    down = false;
    await eventually(() => count(MODEL_ANSWER) === contacts.length, 60_000, 'the answers');
    expect(count(holding)).toBe(contacts.length);
    expect(await omni.query('select id from handoffs')).toHaveLength(0);
    expect(
      await omni.query("select id from conversations where controlled_by <> 'bot'"),
    ).toHaveLength(0);
    const unanswered = await omni.query<{ body: string }>(
      "select body from messages where direction = 'inbound' and status <> 'answered'",
    );
    expect(unanswered).toEqual([]);
  });
});
