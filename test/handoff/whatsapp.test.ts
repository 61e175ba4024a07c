import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EvolutionSim, startEvolutionSim } from '../../src/channels/index.ts';
import { BACKENDS, eventually, type HandoffFixture, openHandoffFixture } from './fixture.ts';

const CUSTOMER = '5511977776666';
const OTHER_CUSTOMER = '5511955554444';

/**
 * Issue 7 acceptance 2 and 5 on WhatsApp: the Evolution simulator plays the customer's phone, the
 * business's phone (fromMe) and Evolution's echoes of Omni's own sends.
 */
describe('handoff on WhatsApp', () => {
  let whatsapp: EvolutionSim;
  let omni: HandoffFixture;

  beforeAll(async () => {
    whatsapp = await startEvolutionSim({ apiKey: 'evo-key', instance: 'acme', echo: true });
    omni = await openHandoffFixture({
      backends: BACKENDS[BACKENDS.length - 1],
      env: {
        EVOLUTION_URL: whatsapp.url,
        EVOLUTION_API_KEY: 'evo-key',
        EVOLUTION_INSTANCE: 'acme',
      },
    });
    whatsapp.setWebhook(`${omni.baseUrl}/webhooks/evolution/acme`);
  });
  afterAll(async () => {
    await omni?.close();
    await whatsapp?.close();
  });

  const sentTo = (number: string) =>
    whatsapp.sent.filter((s) => s.number === number).map((s) => s.text);
  const conversationOf = async (number: string) =>
    eventually(
      async () =>
        (
          await omni.query<{ id: string; controlled_by: string }>(
            `select c.id, c.controlled_by from conversations c join contacts k on k.id = c.contact_id
              where k.external_id = '${number}' and c.status = 'active'`,
          )
        )[0],
      10_000,
      `the conversation with ${number}`,
    );

  it('a message typed on the business phone makes the conversation human; the bot is silent until release', async () => {
    await whatsapp.customerSays(CUSTOMER, 'Oi, meu pedido atrasou');
    await eventually(() => sentTo(CUSTOMER).includes('Oi, meu pedido atrasou'), 10_000, 'bot');

    await whatsapp.operatorSays(CUSTOMER, 'Olá! Aqui é a Carla, vou verificar seu pedido.');
    await eventually(
      async () => (await conversationOf(CUSTOMER)).controlled_by === 'human',
      10_000,
      'the take-over from the phone',
    );
    await whatsapp.customerSays(CUSTOMER, 'obrigado Carla');
    await sleep(1_500);
    expect(sentTo(CUSTOMER)).toEqual(['Oi, meu pedido atrasou']);

    const { id } = await conversationOf(CUSTOMER);
    await omni.api('POST', `/api/v1/conversations/${id}/release`);
    await whatsapp.customerSays(CUSTOMER, 'e a nota fiscal?');
    await eventually(() => sentTo(CUSTOMER).includes('e a nota fiscal?'), 10_000, 'bot again');
    expect(sentTo(CUSTOMER)).not.toContain('obrigado Carla');
  });

  it('a Chatwoot agent reply reaches the WhatsApp customer; pending returns the conversation to the bot', async () => {
    await whatsapp.customerSays(OTHER_CUSTOMER, 'Minha internet caiu');
    await eventually(() => sentTo(OTHER_CUSTOMER).length === 1, 10_000, 'the bot reply');
    const { id } = await conversationOf(OTHER_CUSTOMER);
    const twin = await omni.chatwootTwinOf(id);

    await omni.api('POST', `/api/v1/conversations/${id}/handoff`, { reason: 'outage' });
    await eventually(
      () => omni.chatwoot.conversations.get(twin)?.status === 'open',
      10_000,
      'status open in Chatwoot',
    );
    await omni.chatwoot.agentReplies(twin, 'Já abrimos um chamado, o técnico chega às 14h.');
    await eventually(
      () => sentTo(OTHER_CUSTOMER).includes('Já abrimos um chamado, o técnico chega às 14h.'),
      10_000,
      'the agent reply on WhatsApp',
    );
    // Sent once, and the conversation stays with the human.
    await sleep(800);
    expect(
      sentTo(OTHER_CUSTOMER).filter((t) => t === 'Já abrimos um chamado, o técnico chega às 14h.'),
    ).toHaveLength(1);
    expect((await conversationOf(OTHER_CUSTOMER)).controlled_by).toBe('human');

    await omni.chatwoot.agentSetsStatus(twin, 'pending');
    expect((await conversationOf(OTHER_CUSTOMER)).controlled_by).toBe('bot');
    await whatsapp.customerSays(OTHER_CUSTOMER, 'voltou, obrigado');
    await eventually(() => sentTo(OTHER_CUSTOMER).includes('voltou, obrigado'), 10_000, 'bot');
  });
});
