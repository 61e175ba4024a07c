import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EvolutionSim, startEvolutionSim } from '../../src/channels/index.ts';
import { createRedisPacer, pacingRules } from '../../src/channels/pacing.ts';
import { checkHealth } from '../../src/observability/index.ts';
import { type Harness, openHarness, QUEUE_BACKENDS } from '../pipeline/harness.ts';
import { rows } from '../support/sql.ts';

// End to end through real HTTP: the Evolution simulator plays the customer's phone and Evolution
// API itself; Omni (the pipeline with the echo responder) answers through it.
describe.each(QUEUE_BACKENDS)('WhatsApp through Evolution API (%s queue)', (backend) => {
  let sim: EvolutionSim;
  let harness: Harness;
  const db = () => harness.test.runtime.database.db;

  beforeAll(async () => {
    sim = await startEvolutionSim({ apiKey: 'evo-key', instance: 'acme-sales', acks: true });
    harness = await openHarness(backend, {
      redisDb: 12,
      env: {
        MCP_WHATSAPP_URL: sim.url,
        MCP_TOKEN: 'evo-key',
        EVOLUTION_INSTANCE: 'acme-sales',
      },
    });
    const omni = await harness.server.app.listen({ port: 0, host: '127.0.0.1' });
    sim.setWebhook(`${omni}/webhooks/evolution/acme`);
  });
  afterAll(async () => {
    await harness.close();
    await sim.close();
  });

  it('answers a customer once and ignores the echo of its own send', async () => {
    const { status } = await sim.customerSays('5511988887777', 'Olá, quero saber o preço', {
      name: 'Maria Silva',
    });
    expect(status).toBe(200);
    const [reply] = await sim.waitForSent(1);
    expect(reply).toMatchObject({
      number: '5511988887777',
      text: 'eco: Olá, quero saber o preço',
      instance: 'acme-sales',
    });
    // The simulator posts the fromMe echo of that send; it must not look like an operator.
    await sleep(800);
    expect(sim.sent).toHaveLength(1);
    const [conversation] = await rows<{ controlled_by: string; display_name: string }>(
      db(),
      `select c.controlled_by, k.display_name from conversations c join contacts k on k.id = c.contact_id
        where k.external_id = '5511988887777'`,
    );
    expect(conversation).toEqual({ controlled_by: 'bot', display_name: 'Maria Silva' });
    const operatorMessages = await rows(db(), `select id from messages where author = 'operator'`);
    expect(operatorMessages).toHaveLength(0);
    const [delivery] = await rows<{ provider_message_id: string }>(
      db(),
      'select provider_message_id from channel_deliveries',
    );
    expect(delivery?.provider_message_id).toBe(reply?.id);
    // The acks Evolution posts (messages.update) carry the reply to read.
    const replyStatus = async () =>
      (
        await rows<{ status: string }>(
          db(),
          `select status from messages where body = 'eco: Olá, quero saber o preço'`,
        )
      )[0]?.status;
    for (let i = 0; i < 100 && (await replyStatus()) !== 'read'; i++) await sleep(50);
    expect(await replyStatus()).toBe('read');
    // Seed 000's HGETALL status:<id> shows the receipt too (scale profile).
    const redis = harness.test.runtime.redis?.client;
    if (backend === 'redis') {
      const [replyRow] = await rows<{ id: string }>(
        db(),
        `select id from messages where body = 'eco: Olá, quero saber o preço'`,
      );
      expect(await redis?.hget(`status:${replyRow?.id}`, 'state')).toBe('read');
    }
  });

  it('recognises the echo even when it overtakes the answer to the send', async () => {
    sim.echoBeforeAnswer(true);
    await sim.customerSays('5511966665555', 'Bom dia');
    await sim.waitForSent(2);
    sim.echoBeforeAnswer(false);
    await sleep(500);
    const [conversation] = await rows<{ controlled_by: string }>(
      db(),
      `select c.controlled_by from conversations c join contacts k on k.id = c.contact_id
        where k.external_id = '5511966665555'`,
    );
    expect(conversation?.controlled_by).toBe('bot');
    expect(await rows(db(), `select id from messages where author = 'operator'`)).toHaveLength(0);
    expect(sim.sent.filter((s) => s.number === '5511966665555')).toHaveLength(1);
  });

  it('hands the conversation to the human who answers from the phone, and stays quiet', async () => {
    await sim.customerSays('5511977776666', 'Oi');
    await sim.waitForSent(3);
    const { status } = await sim.operatorSays('5511977776666', 'Oi! Aqui é a Ana, da loja.');
    expect(status).toBe(200);
    const [conversation] = await rows<{ id: string; controlled_by: string }>(
      db(),
      `select c.id, c.controlled_by from conversations c join contacts k on k.id = c.contact_id
        where k.external_id = '5511977776666'`,
    );
    expect(conversation?.controlled_by).toBe('human');
    const stored = await rows<{ author: string; body: string; direction: string }>(
      db(),
      `select author, body, direction from messages where conversation_id = '${conversation?.id}'
        order by created_at, id`,
    );
    expect(stored.map((m) => m.author)).toEqual(['contact', 'bot', 'operator']);
    expect(stored[2]).toMatchObject({ body: 'Oi! Aqui é a Ana, da loja.', direction: 'outbound' });

    await sim.customerSays('5511977776666', 'Obrigada, Ana');
    await sleep(1000);
    expect(sim.sent.filter((s) => s.number === '5511977776666')).toHaveLength(1);
  });

  it('refuses a wrong apikey with 401 and stores nothing', async () => {
    const before = await rows(db(), 'select id from messages');
    const response = await harness.server.app.inject({
      method: 'POST',
      url: '/webhooks/evolution/acme',
      payload: {
        event: 'messages.upsert',
        instance: 'acme-sales',
        apikey: 'forged',
        data: {
          key: { remoteJid: '5511900000000@s.whatsapp.net', fromMe: false, id: 'FORGED1' },
          message: { conversation: 'oi' },
        },
      },
    });
    expect(response.statusCode).toBe(401);
    expect(await rows(db(), 'select id from messages')).toHaveLength(before.length);
  });

  it('waits out a 429 retry-after before the next send to that recipient, losing nothing', async () => {
    sim.faults({ status: 429, times: 1, retryAfterS: 2 });
    const attemptsBefore = sim.attempts.length;
    await sim.customerSays('5511955554444', 'Tem desconto?');
    const sent = await sim.waitForSent(4, 15_000);
    const retried = sent.find((s) => s.number === '5511955554444');
    const refused = sim.attempts[attemptsBefore];
    expect(refused?.status).toBe(429);
    expect(retried?.text).toBe('eco: Tem desconto?');
    expect((retried?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    await sleep(500);
    expect(sim.sent.filter((s) => s.number === '5511955554444')).toHaveLength(1);
  });

  // The scale profile only (with Redis): defined, not skipped, on the other backend.
  const redisOnly = backend === 'redis' ? it : undefined;
  redisOnly?.('shares pacing between processes through Redis', async () => {
    const redis = harness.test.runtime.redis?.client;
    if (!redis) throw new Error('the redis backend runs with REDIS_URL');
    const rules = pacingRules('test.recipient=1/10s burst 2');
    const one = createRedisPacer(redis, rules);
    const other = createRedisPacer(redis, rules);
    expect(await one.take('test', 'omni', 'ana')).toBe(0);
    expect(await other.take('test', 'omni', 'ana')).toBe(0);
    // The third send, from either process, waits for the shared bucket.
    expect(await other.take('test', 'omni', 'ana')).toBeGreaterThan(5_000);
    expect(await one.take('test', 'omni', 'bia')).toBe(0);
    await one.holdOff('test', 'recipient', 'bia', 3_000);
    const held = await other.take('test', 'omni', 'bia');
    expect(held).toBeGreaterThan(2_000);
    expect(held).toBeLessThanOrEqual(3_000);
  });

  it('reports the phone connection in health', async () => {
    const checks = harness.test.runtime.healthChecks;
    const up = await checkHealth(checks);
    expect(up.components.whatsapp).toMatchObject({ status: 'up', state: 'open' });
    sim.faults({ disconnected: true });
    const down = await checkHealth(checks);
    expect(down.status).toBe('degraded');
    expect(down.components.whatsapp?.error).toMatch(/WhatsApp not connected/);
    sim.faults({});
  });
});
