/** Message states only move forward: a channel's receipt can arrive before our own `sent` write. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mirrorStates, recordStates } from '../../src/pipeline/message-state.ts';
import { TEST_REDIS_URL } from '../support/services.ts';
import { rows } from '../support/sql.ts';
import { type Harness, openHarness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await openHarness('postgres');
});
afterAll(async () => {
  await harness?.close();
});

it('keeps delivered and read when the dispatcher records sent afterwards', async () => {
  const { body } = await harness.send('contact-states', 'oi');
  const conversationId = String(body.conversation_id);
  await expect.poll(() => harness.repliesFor(conversationId), { timeout: 10_000 }).toHaveLength(1);
  const { db } = harness.test.runtime.database;
  const [reply] = await rows<{ id: string }>(
    db,
    `select id from messages where conversation_id = '${conversationId}' and direction = 'outbound'`,
  );
  const change = (state: string) => ({
    tenantId: harness.tenantId,
    conversationId,
    messageId: String(reply?.id),
    state,
  });

  await recordStates(db, [change('delivered')]);
  await recordStates(db, [change('sent')]);
  expect((await harness.repliesFor(conversationId))[0]?.status).toBe('delivered');

  await recordStates(db, [change('read')]);
  await recordStates(db, [change('sent')]);
  expect((await harness.repliesFor(conversationId))[0]?.status).toBe('read');
});

if (TEST_REDIS_URL) {
  it('keeps delivered and read in the Redis status mirror too', async () => {
    // A key of its own in the default database: nothing else in the suite uses status:<uuid>.
    const redis = new Redis(TEST_REDIS_URL as string);
    const messageId = randomUUID();
    const change = (state: string) => ({ tenantId: 't', conversationId: 'c', messageId, state });
    try {
      await mirrorStates(redis, [change('read')]);
      await mirrorStates(redis, [change('sent')]);
      expect(await redis.hget(`status:${messageId}`, 'state')).toBe('read');
      await mirrorStates(redis, [change('failed')]);
      expect(await redis.hget(`status:${messageId}`, 'state')).toBe('failed');
      expect(await redis.ttl(`status:${messageId}`)).toBeGreaterThan(0);
    } finally {
      await redis.del(`status:${messageId}`);
      redis.disconnect();
    }
  });
}
