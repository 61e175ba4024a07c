/** One suite, every queue backend: the contract of src/queue/types.ts. */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { createQueue, type Queue, type QueueBackendName } from '../../src/queue/index.ts';
import { QUEUE_CHANNEL } from '../../src/queue/postgres-queue.ts';
import { openDatabase } from '../../src/storage/index.ts';
import { createApiKey } from '../../src/tenancy/index.ts';
import { createAcmeDeliveringTo } from '../support/acme-tenant.ts';
import { startOmni } from '../support/cli.ts';
import { eventually } from '../support/eventually.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { freshRedis, testRedisUrl } from '../support/redis.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/services.ts';
import { rows } from '../support/sql.ts';
import { startWebhookSim } from '../support/webhook-sim.ts';

const CLAIM_IDLE_MS = 400;
/** A poll longer than any test may run: a wait that ends did so because it was woken. */
const NO_POLL_MS = 3_600_000;

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}
const QUEUE_BACKENDS: QueueBackendName[] = TEST_REDIS_URL ? ['postgres', 'redis'] : ['postgres'];

describe.each(QUEUE_BACKENDS)('queue backend: %s', (backend) => {
  let test: TestRuntime;
  let redis: Redis | undefined;
  let queue: Queue;

  beforeAll(async () => {
    test = await openTestRuntime('pglite');
    redis = backend === 'redis' ? await freshRedis(1) : undefined;
  });
  beforeEach(async () => {
    await redis?.flushdb();
    await test.runtime.database.db.execute(
      (await import('drizzle-orm')).sql`delete from queue_entries`,
    );
    queue = createQueue(backend, {
      db: test.runtime.database.db,
      redis,
      claimIdleMs: CLAIM_IDLE_MS,
    });
  });
  afterEach(async () => {
    await queue.close();
  });
  afterAll(async () => {
    redis?.disconnect();
    await test?.close();
  });

  /** Adds an entry the way a delayed retry falls due: no one is woken, only a look finds it. */
  async function arriveWithoutWakeUp(payload: Record<string, unknown>): Promise<void> {
    if (redis) {
      const member = { payload: JSON.stringify(payload), errors: '[]', attempts: '0', key: null };
      await redis.zadd('omni.messages:delayed', Date.now(), JSON.stringify(member));
    } else {
      await rows(
        test.runtime.database.db,
        `insert into queue_entries (queue, payload) values ('omni.messages', '${JSON.stringify(payload)}')`,
      );
    }
  }

  it('delivers an entry once, with its payload, until acknowledged', async () => {
    await queue.enqueue('omni.messages', { conversationId: 'c1' });
    const entry = only(await queue.claim('omni.messages', 'w1', 10));
    expect(entry).toMatchObject({
      stream: 'omni.messages',
      payload: { conversationId: 'c1' },
      attempts: 1,
    });
    expect(await queue.claim('omni.messages', 'w2', 10)).toEqual([]);
    await queue.ack(entry, 'w1');
    await sleep(CLAIM_IDLE_MS + 100);
    expect(await queue.claim('omni.messages', 'w2', 10)).toEqual([]);
  });

  it('keeps streams apart', async () => {
    await queue.enqueue('omni.outbox', { outbox: 1 });
    expect(await queue.claim('omni.messages', 'w1', 10)).toEqual([]);
    expect(await queue.claim('omni.outbox', 'w1', 10)).toHaveLength(1);
  });

  it('hands a silent consumer’s entries to another after the claim idle time', async () => {
    await queue.enqueue('omni.messages', { n: 1 });
    const first = only(await queue.claim('omni.messages', 'crashed', 1));
    expect(await queue.claim('omni.messages', 'survivor', 1)).toEqual([]);
    await sleep(CLAIM_IDLE_MS + 150);
    const again = only(await queue.claim('omni.messages', 'survivor', 1));
    expect(again.payload).toEqual({ n: 1 });
    expect(again.attempts).toBe(2);
    // The crashed consumer no longer owns it: its late ack changes nothing.
    await queue.ack(first, 'crashed');
    expect((await queue.pending('omni.messages')).map((p) => p.consumer)).toEqual(['survivor']);
  });

  it('lets a busy consumer keep its entry by extending it', async () => {
    await queue.enqueue('omni.messages', { n: 1 });
    const entry = only(await queue.claim('omni.messages', 'busy', 1));
    for (let i = 0; i < 3; i++) {
      await sleep(CLAIM_IDLE_MS / 2);
      await queue.extend(entry, 'busy');
    }
    expect(await queue.claim('omni.messages', 'thief', 1)).toEqual([]);
  });

  it('releases with a delay, counting attempts and keeping every error', async () => {
    await queue.enqueue('omni.outbox', { o: 1 });
    const entry = only(await queue.claim('omni.outbox', 'w1', 1));
    await queue.release(entry, 'w1', 300, 'timeout talking to the channel');
    expect(await queue.claim('omni.outbox', 'w1', 1)).toEqual([]);
    const stats = (await queue.stats()).find((s) => s.stream === 'omni.outbox');
    expect(stats).toMatchObject({ group: 'dispatcher', delayed: 1, pending: 0 });
    await sleep(400);
    const retry = only(await queue.claim('omni.outbox', 'w1', 1));
    expect(retry).toMatchObject({
      payload: { o: 1 },
      attempts: 2,
      errors: ['timeout talking to the channel'],
    });
    await queue.release(retry, 'w1', 0, 'second failure');
    const third = only(await queue.claim('omni.outbox', 'w2', 1));
    expect(third).toMatchObject({
      attempts: 3,
      errors: ['timeout talking to the channel', 'second failure'],
    });
  });

  it('honours a delayed enqueue', async () => {
    await queue.enqueue('omni.messages', { later: true }, { delayMs: 300 });
    expect(await queue.claim('omni.messages', 'w1', 1)).toEqual([]);
    await sleep(400);
    expect(await queue.claim('omni.messages', 'w1', 1)).toHaveLength(1);
  });

  it('reports waiting and pending entries, and reclaims idle ones by hand', async () => {
    await queue.enqueue('omni.messages', { a: 1 });
    await queue.enqueue('omni.messages', { b: 2 });
    await queue.claim('omni.messages', 'stuck', 1);
    const stats = (await queue.stats()).find((s) => s.stream === 'omni.messages');
    expect(stats).toMatchObject({ group: 'inbound', waiting: 1, pending: 1 });
    const [pending] = await queue.pending('omni.messages');
    expect(pending).toMatchObject({ consumer: 'stuck', attempts: 1 });
    await sleep(150);
    expect(await queue.reclaim('omni.messages', 100)).toBe(1);
    const claimed = await queue.claim('omni.messages', 'repair', 10);
    expect(claimed.map((e) => e.payload)).toEqual(expect.arrayContaining([{ a: 1 }, { b: 2 }]));
  });

  it('wakes a waiting consumer as soon as work arrives in this process', async () => {
    // The poll is longer than the test may run: only the wake-up can end the wait.
    const waiting = queue.waitForWork('omni.messages', NO_POLL_MS);
    await queue.enqueue('omni.messages', { wake: true });
    await waiting;
  });

  it('remembers a wake-up that came while the consumer was busy', async () => {
    await queue.enqueue('omni.messages', { early: true });
    // Nobody was waiting when it came: the next wait ends at once rather than at the poll.
    await queue.waitForWork('omni.messages', NO_POLL_MS);
  });

  it('finds work that arrived without a wake-up at its next poll (a lost wake-up)', async () => {
    // Without its poll this wait would never end: nothing wakes it.
    const waiting = queue.waitForWork('omni.messages', 50);
    await arriveWithoutWakeUp({ quiet: true });
    await waiting;
    expect(only(await queue.claim('omni.messages', 'w1', 1)).payload).toEqual({ quiet: true });
  });

  it('survives many consumers claiming at once without handing an entry out twice', async () => {
    for (let i = 0; i < 40; i++) await queue.enqueue('omni.events', { i });
    const batches = await Promise.all(
      Array.from({ length: 8 }, (_, w) => queue.claim('omni.events', `w${w}`, 10)),
    );
    const seen = batches.flat().map((e) => e.payload.i);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(40);
  });
});

describe('Postgres queue specifics', () => {
  it('coalesces waiting entries with the same key', async () => {
    const test = await openTestRuntime('pglite');
    const queue = createQueue('postgres', {
      db: test.runtime.database.db,
      claimIdleMs: CLAIM_IDLE_MS,
    });
    await queue.enqueue('omni.messages', { conversationId: 'c1' }, { key: 'c1' });
    await queue.enqueue('omni.messages', { conversationId: 'c1' }, { key: 'c1' });
    const entry = only(await queue.claim('omni.messages', 'w1', 10));
    // While one is being worked on, news for the same conversation waits in a fresh entry.
    await queue.enqueue('omni.messages', { conversationId: 'c1' }, { key: 'c1' });
    await queue.release(entry, 'w1', 0);
    const count = await rows<{ n: number }>(
      test.runtime.database.db,
      'select count(*)::int as n from queue_entries',
    );
    expect(count[0]?.n).toBe(1);
    await test.close();
  });
});

describe.skipIf(!TEST_DATABASE_URL)('Postgres queue across processes', () => {
  it('wakes a consumer in another process through LISTEN/NOTIFY', async () => {
    const target = await createTestDatabase();
    const logger = createLogger('silent');
    const [here, there] = await Promise.all([
      openDatabase({ kind: 'postgres', url: target.url, poolSize: 2, logger }),
      openDatabase({ kind: 'postgres', url: target.url, poolSize: 2, logger }),
    ]);
    await here.migrate();
    const consumer = createQueue('postgres', {
      db: here.db,
      claimIdleMs: CLAIM_IDLE_MS,
      listen: here.listen,
    });
    const producer = createQueue('postgres', {
      db: there.db,
      claimIdleMs: CLAIM_IDLE_MS,
      listen: there.listen,
    });
    // Resolves once this process LISTENs on the queue's channel (the queue's own listen shares it).
    await here.listen(QUEUE_CHANNEL, () => {});
    // The poll is longer than the test may run: only the notification can end the wait.
    const waiting = consumer.waitForWork('omni.outbox', NO_POLL_MS);
    await producer.enqueue('omni.outbox', { from: 'elsewhere' });
    await waiting;
    expect(only(await consumer.claim('omni.outbox', 'w1', 1)).payload).toEqual({
      from: 'elsewhere',
    });
    await consumer.close();
    await producer.close();
    await here.close();
    await there.close();
    await target.drop();
  });
});

describe.skipIf(!TEST_REDIS_URL)('Redis queue specifics', () => {
  let context: { redis: Redis; test: TestRuntime; queue: Queue };
  beforeEach(async () => {
    const redis = await freshRedis(2);
    const test = await openTestRuntime('pglite');
    context = {
      redis,
      test,
      queue: createQueue('redis', {
        db: test.runtime.database.db,
        redis,
        claimIdleMs: CLAIM_IDLE_MS,
      }),
    };
  });
  afterEach(async () => {
    context.redis.disconnect();
    await context.test.close();
  });

  it('recreates its consumer group when Redis lost everything', async () => {
    const { redis, queue } = context;
    await queue.enqueue('omni.messages', { before: true });
    await redis.flushdb();
    await queue.enqueue('omni.messages', { after: true });
    const claimed = await queue.claim('omni.messages', 'w1', 10);
    expect(claimed.map((e) => e.payload)).toEqual([{ after: true }]);
    const groups = (await redis.xinfo('GROUPS', 'omni.messages')) as unknown[];
    expect(groups).toHaveLength(1);
  });

  it('keeps the runbook names: XPENDING omni.outbox dispatcher', async () => {
    const { redis, queue } = context;
    await queue.enqueue('omni.outbox', { o: 1 });
    await queue.claim('omni.outbox', 'dispatcher-1', 1);
    const summary = (await redis.xpending('omni.outbox', 'dispatcher')) as unknown[];
    expect(summary[0]).toBe(1);
  });
});

/**
 * Issue 21: `omni worker` in a process of its own, its poll and its sweeper set to an hour, answers
 * a message another process accepted — only the backend's wake-up (LISTEN/NOTIFY, a blocking
 * XREAD) can have told it. The Redis database is the one the specifics above use (same file: the
 * tests never overlap).
 */
describe.skipIf(!TEST_DATABASE_URL)('A worker in another process', () => {
  const REDIS_DB = 2;

  /** True once the worker's own wake-up connection waits on the backend. */
  async function workerListening(backend: QueueBackendName, test: TestRuntime): Promise<boolean> {
    if (backend === 'redis') {
      const redis = new Redis(testRedisUrl(REDIS_DB), { maxRetriesPerRequest: 1 });
      const clients = String(await redis.client('LIST'));
      redis.disconnect();
      return clients
        .split('\n')
        .some((line) => line.includes(` db=${REDIS_DB} `) && line.includes(' cmd=xread'));
    }
    const [row] = await rows<{ n: number }>(
      test.runtime.database.db,
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and query ilike 'listen %'`,
    );
    return (row?.n ?? 0) > 0;
  }

  it.each(QUEUE_BACKENDS)(
    'is woken at once through the %s queue, without a poll',
    async (backend) => {
      if (backend === 'redis') (await freshRedis(REDIS_DB)).disconnect();
      const env = {
        DEBOUNCE_MS: '0',
        DEBOUNCE_MAX_MS: '0',
        ...(backend === 'redis'
          ? { QUEUE_BACKEND: 'redis', REDIS_URL: testRedisUrl(REDIS_DB) }
          : {}),
      };
      const test = await openTestRuntime('postgres', env);
      const { db } = test.runtime.database;
      const webhook = await startWebhookSim();
      const tenant = await createAcmeDeliveringTo(db, webhook.url);
      const { key } = await createApiKey(db, { tenantId: tenant.id }, { type: 'system' });
      const server = await buildServer(test.runtime);
      const hour = String(NO_POLL_MS);
      const worker = await startOmni(
        ['worker', '--role', 'all'],
        {
          ...env,
          DATABASE_URL: String(test.runtime.config.DATABASE_URL),
          AUTO_MIGRATE: 'false',
          QUEUE_POLL_MS: hour,
          QUEUE_CLAIM_IDLE_MS: hour,
        },
        /"msg":"worker roles ready"/,
      );
      try {
        await eventually(() => workerListening(backend, test), 60_000, 'the worker to listen');
        const response = await server.app.inject({
          method: 'POST',
          url: '/api/v1/messages',
          headers: { 'x-api-key': key },
          payload: { contact: { id: '+5511900000001' }, text: 'oi, vocês abrem sábado?' },
        });
        expect(response.statusCode).toBe(202);
        await eventually(() => webhook.deliveries.length > 0, 60_000, 'the reply');
      } finally {
        await worker.stop('SIGKILL');
        await server.app.close();
        await webhook.close();
        await test.close();
      }
    },
  );
});
