import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChannelError,
  splitText,
  startTelegramSim,
  type TelegramSim,
} from '../../src/channels/index.ts';
import { createPacer, DEFAULT_PACING, pacingRules } from '../../src/channels/pacing.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { rows } from '../support/sql.ts';

const sentence = (i: number) => `Esta é a frase número ${i} da resposta, com algum detalhe a mais.`;

describe('splitting long replies', () => {
  it('keeps a short reply whole', () => {
    expect(splitText('Olá! Como posso ajudar?', 4096)).toEqual(['Olá! Como posso ajudar?']);
  });

  it('cuts at sentence ends within the limit, losing nothing', () => {
    const text = Array.from({ length: 200 }, (_, i) => sentence(i)).join(' ');
    const parts = splitText(text, 4096);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(4096);
      expect(part).toMatch(/\.$/);
    }
    expect(parts.join(' ')).toBe(text);
  });

  it('prefers a paragraph break, and cuts a word only when nothing else fits', () => {
    const first = 'a'.repeat(60);
    expect(splitText(`${first}.\n\nSegundo parágrafo. Mais.`, 80)).toEqual([
      `${first}.`,
      'Segundo parágrafo. Mais.',
    ]);
    expect(splitText('x'.repeat(250), 100)).toEqual([
      'x'.repeat(100),
      'x'.repeat(100),
      'x'.repeat(50),
    ]);
  });
});

describe('pacing', () => {
  it('lets a burst through, then paces per recipient; a hold-off delays only that recipient', async () => {
    let now = 0;
    const pacer = createPacer(
      pacingRules('telegram.recipient=1/1s burst 2; telegram.sender=100/1s'),
      () => now,
    );
    expect(await pacer.take('telegram', 'bot', 'ana')).toBe(0);
    expect(await pacer.take('telegram', 'bot', 'ana')).toBe(0);
    expect(await pacer.take('telegram', 'bot', 'ana')).toBe(1000);
    expect(await pacer.take('telegram', 'bot', 'bia')).toBe(0);
    now = 1000;
    expect(await pacer.take('telegram', 'bot', 'ana')).toBe(0);

    await pacer.holdOff('telegram', 'recipient', 'bia', 5000);
    now = 4000;
    expect(await pacer.take('telegram', 'bot', 'bia')).toBe(2000);
    expect(await pacer.take('telegram', 'bot', 'caio')).toBe(0);
    now = 6000;
    expect(await pacer.take('telegram', 'bot', 'bia')).toBe(0);
  });

  it('paces a sender across recipients', async () => {
    let now = 0;
    const pacer = createPacer(pacingRules('evolution.sender=2/1s'), () => now);
    expect(await pacer.take('evolution', 'omni', 'a')).toBe(0);
    expect(await pacer.take('evolution', 'omni', 'b')).toBe(0);
    expect(await pacer.take('evolution', 'omni', 'c')).toBe(500);
    now = 500;
    expect(await pacer.take('evolution', 'omni', 'c')).toBe(0);
  });

  it("starts from the providers' published limits and names a malformed entry", () => {
    expect(DEFAULT_PACING.whatsapp?.sender).toEqual({ count: 80, perMs: 1000, burst: 80 });
    expect(DEFAULT_PACING.telegram?.recipient?.count).toBe(1);
    expect(() => pacingRules('telegram.recipient=fast')).toThrow(/CHANNEL_PACING/);
  });
});

// Through the real Telegram adapter, database and simulator: parts are recorded, so a retry after a
// failure in the middle of a long reply sends only what is missing.
describe('a long reply in parts', () => {
  let sim: TelegramSim;
  let test: TestRuntime;

  beforeAll(async () => {
    sim = await startTelegramSim();
    test = await openTestRuntime('pglite', {
      TELEGRAM_API_URL: sim.url,
      TELEGRAM_BOT_TOKEN: sim.token,
    });
    await createTenant(test.runtime.database.db, { slug: 'acme' }, { type: 'system' });
  });
  afterAll(async () => {
    await test.close();
    await sim.close();
  });

  it('sends each part once across a retry', async () => {
    const { runtime } = test;
    const tenantId = (
      await rows<{ id: string }>(runtime.database.db, `select id from tenants where slug = 'acme'`)
    )[0]?.id as string;
    const inbound = await runtime.pipeline.ingest({
      tenantId,
      channel: 'telegram',
      contact: { externalId: '4242' },
      externalId: '4242:1',
      text: 'Conte tudo',
    });
    const adapter = runtime.pipeline.deps.channels.get('telegram');
    const text = Array.from({ length: 180 }, (_, i) => sentence(i)).join(' ');
    const message = {
      tenantId,
      conversationId: inbound.conversationId,
      messageId: inbound.messageId,
      idempotencyKey: 'reply-1',
      to: '4242',
      text,
    };
    sim.faults({ status: 500, times: 1, afterSends: 1 });
    const error = await adapter?.send(message, AbortSignal.timeout(5000)).catch((e) => e);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error.retryable).toBe(true);
    expect(sim.sent).toHaveLength(1);

    const result = await adapter?.send(message, AbortSignal.timeout(5000));
    const parts = splitText(text, 4096);
    expect(sim.sent.map((s) => s.text)).toEqual(parts);
    expect(result?.providerMessageId).toBe(`4242:${sim.sent[0]?.messageId}`);
  });
});
