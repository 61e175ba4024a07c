import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudSim, startCloudSim } from '../../src/channels/index.ts';
import { checkHealth } from '../../src/observability/index.ts';
import { type Harness, openHarness } from '../pipeline/harness.ts';
import { rows } from '../support/sql.ts';

// End to end through real HTTP with a Graph API fake that also plays Meta's webhooks (signed).
// The Postgres queue only: the Redis databases of this helper's files are taken by the
// Evolution and Telegram files, and the queue backend plays no part in what is tested here.
describe('WhatsApp Cloud API', () => {
  let sim: CloudSim;
  let harness: Harness;
  const db = () => harness.test.runtime.database.db;

  const statusOf = async (text: string) =>
    (
      await rows<{ status: string; id: string }>(
        db(),
        `select id, status from messages where direction = 'outbound' and body = '${text}'`,
      )
    )[0];
  const until = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  beforeAll(async () => {
    sim = await startCloudSim({ statusDelayMs: 200 });
    harness = await openHarness('postgres', {
      env: {
        WHATSAPP_GRAPH_URL: sim.graphUrl,
        WHATSAPP_ACCESS_TOKEN: sim.accessToken,
        WHATSAPP_PHONE_NUMBER_ID: sim.phoneNumberId,
        WHATSAPP_APP_SECRET: sim.appSecret,
        WHATSAPP_VERIFY_TOKEN: 'verify-me',
        QUEUE_MAX_ATTEMPTS: '3',
      },
    });
    const omni = await harness.server.app.listen({ port: 0, host: '127.0.0.1' });
    sim.setWebhook(`${omni}/webhooks/whatsapp/acme`);
  });
  afterAll(async () => {
    await harness.close();
    await sim.close();
  });

  it('answers the verification handshake only with the verify token', async () => {
    const ok = await harness.server.app.inject({
      method: 'GET',
      url: '/webhooks/whatsapp/acme?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444',
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('1158201444');
    const wrong = await harness.server.app.inject({
      method: 'GET',
      url: '/webhooks/whatsapp/acme?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1',
    });
    expect(wrong.statusCode).toBe(403);
  });

  it('answers once and follows the reply to delivered and read', async () => {
    expect(await sim.customerSays('16505551234', 'Does it come in another color?')).toBe(200);
    const [reply] = await sim.waitForSent(1);
    expect(reply).toMatchObject({ to: '16505551234', text: 'eco: Does it come in another color?' });
    await until(
      async () => (await statusOf('eco: Does it come in another color?'))?.status === 'read',
      'the read status',
    );
    const message = await statusOf('eco: Does it come in another color?');
    const states = await rows<{ state: string }>(
      db(),
      `select state from message_events where message_id = '${message?.id}' order by id`,
    );
    expect(states.map((s) => s.state)).toEqual(
      expect.arrayContaining(['sent', 'delivered', 'read']),
    );
    expect(sim.sent).toHaveLength(1);
  });

  it('takes read without delivered and never moves a status back', async () => {
    await sim.customerSays('16505550001', 'Oi');
    await sim.waitForSent(2);
    const wamid = sim.sent[1]?.id as string;
    await until(async () => (await statusOf('eco: Oi'))?.status === 'read', 'read');
    // Late and out of order: neither may undo `read`.
    expect(await sim.status(wamid, 'delivered')).toBe(200);
    expect(await sim.status(wamid, 'sent')).toBe(200);
    // A failure after read cannot be true either.
    expect(
      await sim.status(wamid, 'failed', { code: 131026, title: 'Undeliverable', details: '-' }),
    ).toBe(200);
    expect((await statusOf('eco: Oi'))?.status).toBe('read');
  });

  it('reports the business number in health', async () => {
    const report = await checkHealth(harness.test.runtime.healthChecks);
    expect(report.components.whatsapp_cloud).toMatchObject({ status: 'up', number: '15550783881' });
  });

  it('refuses a bad signature with 401 and stores nothing', async () => {
    const before = (await rows(db(), 'select id from messages')).length;
    const status = await sim.post(
      {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '1',
            changes: [
              {
                field: 'messages',
                value: {
                  messages: [
                    { from: '1555', id: 'wamid.FORGED', type: 'text', text: { body: 'oi' } },
                  ],
                },
              },
            ],
          },
        ],
      },
      'sha256=0000000000000000000000000000000000000000000000000000000000000000',
    );
    expect(status).toBe(401);
    expect(await rows(db(), 'select id from messages')).toHaveLength(before);
  });

  it('fails at once outside the 24-hour window and hands the conversation to a person', async () => {
    sim.faults({ status: 400, errorCode: 131047, times: 1 });
    const attemptsBefore = sim.attempts.length;
    await sim.customerSays('16505550002', 'Ainda dá tempo?');
    const conversation = async () =>
      (
        await rows<{ controlled_by: string; outbox: string; attempts: number }>(
          db(),
          `select c.controlled_by, o.status as outbox, o.attempts from conversations c
             join contacts k on k.id = c.contact_id join outbox o on o.conversation_id = c.id
            where k.external_id = '16505550002'`,
        )
      )[0];
    await until(async () => (await conversation())?.outbox === 'falhou', 'the failed send');
    expect(await conversation()).toMatchObject({
      controlled_by: 'pending_human',
      outbox: 'falhou',
      attempts: 1,
    });
    expect(sim.attempts.length - attemptsBefore).toBe(1);
  });

  it('marks a message failed by a status webhook and asks for a person on 131047', async () => {
    sim.faults({});
    sim.autoStatuses([]);
    const sentBefore = sim.sent.length;
    await sim.customerSays('16505550003', 'Olá de novo');
    const all = await sim.waitForSent(sentBefore + 1);
    const wamid = all[sentBefore]?.id as string;
    await until(async () => (await statusOf('eco: Olá de novo'))?.status === 'sent', 'sent');
    expect(
      await sim.status(wamid, 'failed', {
        code: 131047,
        title: 'Re-engagement message',
        details: 'More than 24 hours have passed since the customer last replied to this number.',
      }),
    ).toBe(200);
    const [row] = await rows<{ status: string; error: string; controlled_by: string }>(
      db(),
      `select m.status, m.error, c.controlled_by from messages m
         join conversations c on c.id = m.conversation_id where m.body = 'eco: Olá de novo'`,
    );
    expect(row).toMatchObject({ status: 'failed', controlled_by: 'pending_human' });
    expect(row?.error).toMatch(/131047/);
  });
});
