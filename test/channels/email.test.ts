import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInboundEmail } from '../../src/channels/index.ts';
import { type Harness, openHarness } from '../pipeline/harness.ts';
import { type SmtpSim, startSmtpSim } from '../support/smtp-sim.ts';
import { rows } from '../support/sql.ts';

const TOKEN = 'mail-hook-token';

function inbound(overrides: Record<string, unknown> = {}) {
  return {
    from: 'Ana Souza <Ana@Cliente.com.br>',
    subject: 'Horário de atendimento',
    text: 'Bom dia, qual o horário de vocês?',
    message_id: '<m1@cliente.com.br>',
    ...overrides,
  };
}

async function until<T>(read: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = read();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('e-mail channel', () => {
  let smtp: SmtpSim;
  let harness: Harness;

  beforeAll(async () => {
    smtp = await startSmtpSim();
    harness = await openHarness('postgres', {
      env: {
        SMTP_URL: smtp.url,
        EMAIL_FROM: 'Suporte Acme <suporte@acme.test>',
        EMAIL_WEBHOOK_TOKEN: TOKEN,
        QUEUE_MAX_ATTEMPTS: '3',
      },
    });
    harness.startWorkers();
  });
  afterAll(async () => {
    await harness.close();
    await smtp.close();
  });

  const post = (payload: Record<string, unknown>, token = TOKEN) =>
    harness.server.app.inject({
      method: 'POST',
      url: '/webhooks/email/acme',
      headers: { 'x-omni-token': token },
      payload,
    });

  it('refuses a wrong token with 401 and stores nothing', async () => {
    const response = await post(inbound({ message_id: '<forged@x>' }), 'wrong');
    expect(response.statusCode).toBe(401);
    const stored = await rows(harness.test.runtime.database.db, 'select id from messages');
    expect(stored).toHaveLength(0);
  });

  it('answers an e-mail once, threaded under it, and acknowledges a redelivery', async () => {
    const first = await post(inbound());
    expect(first.statusCode).toBe(202);
    const mail = await until(() => smtp.received[0], 'the reply e-mail');
    expect(mail.inReplyTo).toBe('<m1@cliente.com.br>');
    expect(mail.references).toContain('<m1@cliente.com.br>');
    expect(mail.subject).toBe('Re: Horário de atendimento');
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('ana@cliente.com.br');
    expect(mail.text?.trim()).toBe('eco: Bom dia, qual o horário de vocês?');

    const again = await post(inbound());
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true });
    await sleep(500);
    expect(smtp.received).toHaveLength(1);
  });

  it('retries a temporary SMTP refusal and fails a permanent one at once', async () => {
    smtp.refuseNext(1, 451);
    await post(inbound({ message_id: '<m2@cliente.com.br>', from: 'bia@cliente.com.br' }));
    const retried = await until(
      () => smtp.received.find((m) => m.inReplyTo === '<m2@cliente.com.br>'),
      'the retried reply',
    );
    expect(retried.subject).toBe('Re: Horário de atendimento');

    smtp.refuseNext(1, 550);
    await post(inbound({ message_id: '<m3@cliente.com.br>', from: 'caio@cliente.com.br' }));
    const outboxOf = async () =>
      (
        await rows<{ status: string; attempts: number }>(
          harness.test.runtime.database.db,
          `select o.status, o.attempts from outbox o
             join messages m on m.conversation_id = o.conversation_id
            where m.external_id = '<m3@cliente.com.br>'`,
        )
      )[0];
    let row = await outboxOf();
    for (let i = 0; i < 200 && row?.status !== 'falhou'; i++) {
      await sleep(50);
      row = await outboxOf();
    }
    // Permanent: failed on the first attempt (and dead-lettered for replay), not retried.
    expect(row).toMatchObject({ status: 'falhou', attempts: 1 });
    expect(smtp.received.some((m) => m.inReplyTo === '<m3@cliente.com.br>')).toBe(false);
  });

  it('keeps only the new part of a reply and ignores an empty one', () => {
    const parsed = parseInboundEmail({
      from: { address: 'Ana@Cliente.com.br', name: 'Ana' },
      subject: 'Re: Pedido',
      text: 'Pode ser amanhã.\n\nEm seg., 3 de nov. de 2026, Suporte escreveu:\n> Qual o melhor dia?\n> Obrigado',
      message_id: 'm9@cliente.com.br',
      references: '<m1@cliente.com.br> <r1@acme.test>',
    });
    expect(parsed).toMatchObject({
      sender: { address: 'ana@cliente.com.br', name: 'Ana' },
      externalId: '<m9@cliente.com.br>',
      text: 'Pode ser amanhã.',
      thread: { references: ['<m1@cliente.com.br>', '<r1@acme.test>', '<m9@cliente.com.br>'] },
    });
    expect(
      parseInboundEmail({ from: 'a@b.co', subject: '', text: '> only quoted', message_id: 'x@y' }),
    ).toEqual({ empty: true });
  });
});
