/** The delivery contract (SPEC §4), in one process, on every queue backend. */
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { setPaused } from '../../src/pipeline/index.ts';
import { rows } from '../support/sql.ts';
import { countRows, type Harness, openHarness, QUEUE_BACKENDS } from './harness.ts';

describe.each(QUEUE_BACKENDS)('delivery on the %s queue', (backend) => {
  let harness: Harness;
  afterEach(async () => {
    await harness?.close();
  });

  it('stores a redelivered webhook once, answers once, and counts the duplicates', async () => {
    harness = await openHarness(backend);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => harness.send('+5511999990001', 'oi', 'wamid.ABC123')),
    );
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200 && a.body.duplicate === true)).toHaveLength(4);
    expect(new Set(answers.map((a) => a.body.message_id)).size).toBe(1);
    await expect.poll(() => harness.webhook.deliveries.length, { timeout: 60_000 }).toBe(1);
    await sleep(500);
    expect(harness.webhook.deliveries).toHaveLength(1);
    expect(
      await countRows(harness, "select count(*) as n from messages where direction = 'inbound'"),
    ).toBe(1);
    expect(await harness.metric('duplicates_suppressed_total')).toBe(4);
  });

  it('delivers the reply signed, with an idempotency key, and shows the whole history', async () => {
    harness = await openHarness(backend);
    const { body } = await harness.send('contact-1', 'Qual o horário?');
    await expect.poll(() => harness.webhook.deliveries.length, { timeout: 60_000 }).toBe(1);
    const [delivery] = harness.webhook.deliveries;
    expect(delivery?.body).toMatchObject({ contact_id: 'contact-1', text: 'eco: Qual o horário?' });
    // Checked as a receiver would, with node:crypto, not with Omni's own signing code.
    const expected = createHmac('sha256', 'hook-secret')
      .update(delivery?.raw ?? '')
      .digest('hex');
    expect(delivery?.headers['x-omni-signature']).toBe(`sha256=${expected}`);
    expect(delivery?.headers['idempotency-key']).toMatch(/^reply:/);

    const inbound = await harness.server.app.inject({
      url: `/api/v1/messages/${body.message_id}`,
      headers: { 'x-api-key': harness.key },
    });
    expect(inbound.json().history.map((h: { state: string }) => h.state)).toEqual([
      'received',
      'processing',
      'answered',
    ]);
    const replyId = delivery?.body.message_id;
    await expect
      .poll(async () => {
        const reply = await harness.server.app.inject({
          url: `/api/v1/messages/${replyId}`,
          headers: { 'x-api-key': harness.key },
        });
        return reply.json().history.map((h: { state: string }) => h.state);
      })
      .toEqual(['queued', 'sent']);
    if (backend === 'redis') {
      const redis = harness.test.runtime.redis?.client;
      expect(await redis?.hgetall(`status:${replyId}`)).toMatchObject({
        state: 'sent',
        conversation: body.conversation_id,
        attempts: '1',
      });
      expect((await redis?.hgetall(`status:${body.message_id}`))?.state).toBe('answered');
    }
    const series = [
      'inbound_total{channel="api"} 1',
      'outbound_total{channel="api"} 1',
      'dispatcher_total{channel="api"} 1',
      'inbound_ms_count{channel="api"} 1',
      'dispatch_ms_count{channel="api"} 1',
      'time_to_first_reply_ms_count{channel="api"} 1',
      'queue_depth{stream="omni.messages"} 0',
      'queue_pending{stream="omni.outbox"} 0',
      'dlq_size{stream="omni.outbox"} 0',
    ];
    // The gauges are read from the queue: wait for the signals of this turn to be acknowledged.
    await expect
      .poll(
        async () => {
          const metrics = await harness.test.runtime.metrics.registry.metrics();
          return series.filter((line) => !metrics.includes(line));
        },
        { timeout: 60_000 },
      )
      .toEqual([]);
    const listed = await harness.server.app.inject({
      url: `/api/v1/conversations/${body.conversation_id}/messages`,
      headers: { 'x-api-key': harness.key },
    });
    expect(listed.json().messages.map((m: { author: string }) => m.author)).toEqual([
      'contact',
      'bot',
    ]);
  });

  it('answers three quick bubbles as one turn', async () => {
    harness = await openHarness(backend, { env: { DEBOUNCE_MS: '2000', DEBOUNCE_MAX_MS: '8000' } });
    const first = await harness.send('bubbles', 'oi');
    await sleep(300);
    await harness.send('bubbles', 'tudo bem?');
    await sleep(300);
    await harness.send('bubbles', 'queria saber do meu pedido');
    await expect.poll(() => harness.webhook.deliveries.length, { timeout: 60_000 }).toBe(1);
    await sleep(1_500);
    expect(harness.webhook.deliveries.map((d) => d.body.text)).toEqual([
      'eco: oi | tudo bem? | queria saber do meu pedido',
    ]);
    expect(harness.echo.calls).toHaveLength(1);
    expect(await harness.repliesFor(String(first.body.conversation_id))).toHaveLength(1);
  });

  it('discards a reply when a newer message arrives during generation, and answers both at once', async () => {
    harness = await openHarness(backend, { responderDelayMs: 1_500 });
    await harness.send('impatient', 'primeira pergunta');
    await expect.poll(() => harness.echo.calls.length, { timeout: 60_000 }).toBe(1);
    await harness.send('impatient', 'e mais uma coisa');
    await expect.poll(() => harness.webhook.deliveries.length, { timeout: 15_000 }).toBe(1);
    await sleep(500);
    expect(harness.webhook.deliveries.map((d) => d.body.text)).toEqual([
      'eco: primeira pergunta | e mais uma coisa',
    ]);
    expect(await harness.metric('turns_aborted_total')).toBe(1);
    expect(
      await countRows(harness, "select count(*) as n from turns where status = 'aborted'"),
    ).toBe(1);
  });

  it('sends every conversation’s replies in order under parallel load', async () => {
    harness = await openHarness(backend, { env: { MAX_WORKERS: '8' } });
    // Enough to interleave many conversations across workers; throughput is `omni bench`'s job.
    const conversations = 20;
    const perConversation = 8;
    await Promise.all(
      Array.from({ length: conversations }, async (_, c) => {
        for (let m = 0; m < perConversation; m++) await harness.send(`load-${c}`, `c${c} m${m}`);
      }),
    );
    await expect
      .poll(
        () =>
          countRows(
            harness,
            "select count(*) as n from messages where direction = 'inbound' and status <> 'answered'",
          ),
        { timeout: 120_000, interval: 250 },
      )
      .toBe(0);
    await expect
      .poll(
        () => countRows(harness, "select count(*) as n from outbox where status <> 'enviada'"),
        { timeout: 60_000 },
      )
      .toBe(0);
    const replies = await rows<{ id: string; contact: string }>(
      harness.test.runtime.database.db,
      `select m.id, k.external_id as contact from messages m
         join conversations c on c.id = m.conversation_id join contacts k on k.id = c.contact_id
        where m.direction = 'outbound' order by m.created_at, m.id`,
    );
    expect(harness.webhook.deliveries).toHaveLength(replies.length);
    for (let c = 0; c < conversations; c++) {
      const expected = replies.filter((r) => r.contact === `load-${c}`).map((r) => r.id);
      const delivered = harness.webhook.deliveries
        .filter((d) => d.body.contact_id === `load-${c}`)
        .map((d) => d.body.message_id);
      expect(delivered, `conversation load-${c}`).toEqual(expected);
      // Every inbound text is answered exactly once, in the order it was sent.
      const texts = harness.webhook.deliveries
        .filter((d) => d.body.contact_id === `load-${c}`)
        .flatMap((d) => d.body.text.replace(/^eco: /, '').split(' | '));
      expect(texts).toEqual(Array.from({ length: perConversation }, (_, m) => `c${c} m${m}`));
    }
  });

  it('retries a failing channel with backoff and delivers once', async () => {
    harness = await openHarness(backend);
    harness.webhook.failNext(3, 503);
    const { body } = await harness.send('flaky', 'olá');
    await expect.poll(() => harness.webhook.deliveries.length, { timeout: 20_000 }).toBe(1);
    await sleep(500);
    expect(harness.webhook.deliveries).toHaveLength(1);
    const [outbox] = await rows<{ attempts: number; status: string; errors: unknown[] }>(
      harness.test.runtime.database.db,
      `select attempts, status, errors from outbox where conversation_id = '${body.conversation_id}'`,
    );
    expect(outbox).toMatchObject({ attempts: 4, status: 'enviada' });
    expect(outbox?.errors).toHaveLength(3);
  });

  it('waits as long as the channel’s Retry-After asks before trying again', async () => {
    harness = await openHarness(backend);
    harness.webhook.failNext(1, 429, '2');
    const started = Date.now();
    await harness.send('throttled', 'oi');
    await expect.poll(() => harness.webhook.deliveries.length, { timeout: 60_000 }).toBe(1);
    // The first retry's own backoff is at most 500 ms: only Retry-After explains two seconds.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(harness.webhook.requests).toBe(2);
  });

  it('dead-letters a send that fails past its retry window, with every error, and replays it once the channel works', async () => {
    harness = await openHarness(backend, {
      env: { DISPATCH_RETRY_WINDOW: '2s', DISPATCH_BACKOFF_MAX_MS: '500' },
    });
    harness.webhook.failNext(Number.POSITIVE_INFINITY, 500);
    const { body } = await harness.send('doomed', 'alô');
    const dlq = () =>
      harness.server.app.inject({ url: '/api/v1/dlq', headers: { 'x-api-key': harness.key } });
    await expect.poll(async () => (await dlq()).json().entries.length, { timeout: 20_000 }).toBe(1);
    const [entry] = (await dlq()).json().entries;
    expect(entry).toMatchObject({ stream: 'omni.outbox', reason: 'retry_window_exceeded' });
    expect(entry.attempts).toBeGreaterThan(1);
    expect(entry.errors).toHaveLength(entry.attempts);
    const errors = entry.errors as Array<{ at: string }>;
    expect(
      Date.parse(errors.at(-1)?.at ?? '') - Date.parse(errors[0]?.at ?? ''),
    ).toBeGreaterThanOrEqual(2_000);
    const [reply] = await harness.repliesFor(String(body.conversation_id));
    expect(reply?.status).toBe('dlq');

    harness.webhook.failNext(0);
    const replay = await harness.server.app.inject({
      method: 'POST',
      url: `/api/v1/dlq/${entry.id}/replay`,
      headers: { 'x-api-key': harness.key },
    });
    expect(replay.statusCode).toBe(200);
    await expect.poll(() => harness.webhook.deliveries.length, { timeout: 60_000 }).toBe(1);
    await sleep(300);
    expect(harness.webhook.deliveries).toHaveLength(1);
    expect((await dlq()).json().entries).toHaveLength(0);
    const again = await harness.server.app.inject({
      method: 'POST',
      url: `/api/v1/dlq/${entry.id}/replay`,
      headers: { 'x-api-key': harness.key },
    });
    expect(again.statusCode).toBe(409);
  });

  it('dead-letters a malformed entry at once', async () => {
    harness = await openHarness(backend);
    await harness.test.runtime.pipeline.queue.enqueue('omni.messages', {
      conversationId: 'not-a-uuid',
    });
    await expect
      .poll(
        () =>
          countRows(harness, "select count(*) as n from dead_letters where reason = 'malformed'"),
        { timeout: 60_000 },
      )
      .toBe(1);
    const [letter] = await rows<{ attempts: number; payload: unknown }>(
      harness.test.runtime.database.db,
      'select attempts, payload from dead_letters',
    );
    expect(letter).toMatchObject({ attempts: 1, payload: { conversationId: 'not-a-uuid' } });
  });

  it('never sends a queued bot reply after a human took over', async () => {
    harness = await openHarness(backend);
    const { db } = harness.test.runtime.database;
    await setPaused(harness.test.runtime.pipeline.deps, 'dispatcher', true, 'test');
    await sleep(1_500);
    const { body } = await harness.send('takeover', 'preciso de ajuda');
    await expect
      .poll(
        async () => (await harness.repliesFor(String(body.conversation_id))).map((r) => r.status),
        { timeout: 60_000 },
      )
      .toEqual(['queued']);
    await rows(
      db,
      `update conversations set controlled_by = 'human' where id = '${body.conversation_id}'`,
    );
    await setPaused(harness.test.runtime.pipeline.deps, 'dispatcher', false, 'test');
    await expect
      .poll(
        async () => (await harness.repliesFor(String(body.conversation_id))).map((r) => r.status),
        { timeout: 60_000 },
      )
      .toEqual(['cancelled']);
    expect(harness.webhook.deliveries).toHaveLength(0);
    expect(
      await countRows(harness, "select count(*) as n from outbox where status = 'cancelada'"),
    ).toBe(1);

    // While a human owns the conversation, new inbound messages are stored and shown, not answered.
    await harness.send('takeover', 'ainda aí?');
    await expect
      .poll(
        () =>
          countRows(harness, "select count(*) as n from messages where status = 'awaiting_human'"),
        { timeout: 60_000 },
      )
      .toBe(1);
    expect(harness.echo.calls).toHaveLength(1);
  });

  it('holds everything while inbound is paused, then answers all in order on resume', async () => {
    harness = await openHarness(backend);
    const { deps } = harness.test.runtime.pipeline;
    await setPaused(deps, 'inbound', true, 'test');
    await sleep(1_500);
    for (let i = 0; i < 3; i++) {
      await harness.send(`paused-${i}`, `pergunta ${i}`);
      await harness.send('paused-same', `parte ${i}`);
    }
    await sleep(1_500);
    expect(harness.echo.calls).toHaveLength(0);
    const stats = (await harness.test.runtime.pipeline.queue.stats()).find(
      (s) => s.stream === 'omni.messages',
    );
    expect(stats?.waiting).toBeGreaterThanOrEqual(4);
    expect(
      await countRows(harness, "select count(*) as n from messages where status = 'received'"),
    ).toBe(6);
    await setPaused(deps, 'inbound', false, 'test');
    await expect.poll(() => harness.webhook.deliveries.length, { timeout: 60_000 }).toBe(4);
    expect(harness.webhook.deliveries.map((d) => d.body.text).sort()).toEqual([
      'eco: parte 0 | parte 1 | parte 2',
      'eco: pergunta 0',
      'eco: pergunta 1',
      'eco: pergunta 2',
    ]);
  });
});
