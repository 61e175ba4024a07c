/**
 * Infrastructure outages with real processes (issue 13): `omni api` and two `omni worker`
 * processes under a steady load of REST messages while PostgreSQL or Redis is cut away behind a
 * fault-injecting proxy. No process exits, the API answers 503 (never 500) for what it cannot do,
 * and after recovery every accepted message is answered exactly once and in order.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createApiKey } from '../../src/tenancy/index.ts';
import { createAcmeDeliveringTo } from '../support/acme-tenant.ts';
import { type RunningOmni, startOmni } from '../support/cli.ts';
import { eventually } from '../support/eventually.ts';
import { createProxiedTestDatabase, type ProxiedDatabase } from '../support/postgres.ts';
import { freshRedis, testRedisUrl } from '../support/redis.ts';
import {
  TEST_DATABASE_URL,
  TEST_EGRESS_ALLOW,
  TEST_REDIS_URL,
  TEST_SECRET_KEY,
} from '../support/services.ts';
import { rows } from '../support/sql.ts';
import { type FaultyProxy, startProxy } from '../support/tcp-proxy.ts';
import { startWebhookSim, type WebhookSim } from '../support/webhook-sim.ts';

const REDIS_DB = 11;
const CONTACTS = 3;

interface Cluster {
  api: RunningOmni;
  workers: RunningOmni[];
  runtime: Runtime;
  webhook: WebhookSim;
  key: string;
  /** Every answer of POST /api/v1/messages, by status. */
  statuses: Map<number, number>;
  /** The messages the API accepted (202), per contact in sending order. */
  accepted: Map<string, string[]>;
  /** Sends one message per contact; returns the statuses seen. */
  sendRound(): Promise<number[]>;
  alive(): boolean;
  close(): Promise<void>;
}

/**
 * `env` reaches the three child processes (the database and Redis behind their proxies);
 * `directDatabaseUrl` is the test's own way in, to set the tenant up and inspect the rows.
 */
async function openCluster(
  env: Record<string, string>,
  directDatabaseUrl: string,
): Promise<Cluster> {
  const runtime = await openRuntime(
    loadConfig({
      DATABASE_URL: directDatabaseUrl,
      OMNI_SECRET_KEY: TEST_SECRET_KEY,
      EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    }),
    { logger: createLogger('silent') },
  );
  const webhook = await startWebhookSim();
  const { db } = runtime.database;
  const tenant = await createAcmeDeliveringTo(db, webhook.url);
  const { key } = await createApiKey(db, { tenantId: tenant.id }, { type: 'system' });
  const shared = {
    QUEUE_CLAIM_IDLE_MS: '1000',
    DEBOUNCE_MS: '0',
    DEBOUNCE_MAX_MS: '0',
    AUTO_MIGRATE: 'false',
    ...env,
  };
  const api = await startOmni('api', shared);
  const workers = await Promise.all(
    [1, 2].map(() => startOmni(['worker', '--role', 'all'], shared, /"msg":"worker roles ready"/)),
  );
  const statuses = new Map<number, number>();
  const accepted = new Map<string, string[]>();
  let sequence = 0;
  const send = async (contact: string): Promise<number> => {
    const text = `pergunta ${++sequence}`;
    const status = await fetch(`${api.baseUrl}/api/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ contact: { id: contact }, text, external_id: `evt-${sequence}` }),
    }).then(async (response) => {
      if (response.status === 503) expect(response.headers.get('retry-after')).toBeTruthy();
      await response.arrayBuffer();
      return response.status;
    });
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status === 202) accepted.set(contact, [...(accepted.get(contact) ?? []), text]);
    return status;
  };
  const processes = [api, ...workers];
  return {
    api,
    workers,
    runtime,
    webhook,
    key,
    statuses,
    accepted,
    // One contact after another: the order of a contact's messages is the order they were sent.
    sendRound: () =>
      Promise.all(Array.from({ length: CONTACTS }, (_, i) => send(`+55119000000${i}`))),
    alive: () => processes.every((p) => p.child.exitCode === null && p.child.signalCode === null),
    async close() {
      for (const p of processes) if (p.child.exitCode === null) await p.stop('SIGKILL');
      await webhook.close();
      await runtime.close();
    },
  };
}

/** Per contact, the inbound texts in the order their replies reached the webhook. */
async function answeredInOrder(cluster: Cluster): Promise<Map<string, string[]>> {
  const { db } = cluster.runtime.database;
  const replies = await rows<{ reply_id: string; contact: string; inbound: string }>(
    db,
    `select r.id as reply_id, c.external_id as contact, i.body as inbound
       from messages i
       join messages r on r.turn_id = i.turn_id and r.direction = 'outbound'
       join conversations v on v.id = i.conversation_id
       join contacts c on c.id = v.contact_id
      where i.direction = 'inbound' order by i.created_at, i.id`,
  );
  const byReply = new Map<string, Array<{ contact: string; inbound: string }>>();
  for (const r of replies) byReply.set(r.reply_id, [...(byReply.get(r.reply_id) ?? []), r]);
  const answered = new Map<string, string[]>();
  for (const delivery of cluster.webhook.deliveries) {
    for (const { contact, inbound } of byReply.get(delivery.body.message_id) ?? []) {
      answered.set(contact, [...(answered.get(contact) ?? []), inbound]);
    }
  }
  return answered;
}

/** Waits until every accepted message was answered, then checks: once each, in sending order. */
async function expectEveryMessageAnsweredOnceInOrder(cluster: Cluster): Promise<void> {
  const { db } = cluster.runtime.database;
  const total = [...cluster.accepted.values()].reduce((n, texts) => n + texts.length, 0);
  await eventually(
    async () => {
      const answered = await answeredInOrder(cluster);
      return [...answered.values()].reduce((n, texts) => n + texts.length, 0) >= total;
    },
    90_000,
    `replies to all ${total} accepted messages`,
  );
  expect(await answeredInOrder(cluster)).toEqual(cluster.accepted);
  const perInbound = await rows<{ n: number }>(
    db,
    `select count(distinct r.id)::int as n
       from messages i left join messages r on r.turn_id = i.turn_id and r.direction = 'outbound'
      where i.direction = 'inbound' group by i.id`,
  );
  expect(perInbound.every((row) => row.n === 1)).toBe(true);
  // The webhook answers before the dispatcher records the send: wait for the records.
  await eventually(
    async () => (await rows(db, "select 1 from outbox where status <> 'enviada'")).length === 0,
    30_000,
    'every reply recorded as sent',
  );
  const sent = await rows<{ n: number }>(db, 'select count(*)::int as n from outbox');
  expect(sent[0]?.n).toBe(cluster.webhook.deliveries.length);
}

describe.skipIf(!TEST_DATABASE_URL)('every PostgreSQL connection cut mid-load', () => {
  let database: ProxiedDatabase;
  let cluster: Cluster;
  afterEach(async () => {
    await cluster?.close();
    await database?.drop();
  });

  it('no process exits, POST answers 503 while it is away, every message answered once and in order after', async () => {
    database = await createProxiedTestDatabase();
    // Migrated through the direct way in, so that the children start on a ready schema.
    cluster = await openCluster({ DATABASE_URL: database.proxiedUrl }, database.url);
    for (let round = 0; round < 3; round++) await cluster.sendRound();
    await eventually(() => cluster.webhook.deliveries.length > 0, 30_000, 'a first reply');

    await database.proxy.cut();
    await eventually(
      async () => (await cluster.sendRound()).every((status) => status === 503),
      30_000,
      'POST answering 503',
    );
    const health = await fetch(`${cluster.api.baseUrl}/health`);
    expect(health.status).toBe(503);
    const report = (await health.json()) as { components: Record<string, { status: string }> };
    expect(report.components.database?.status).toBe('down');
    expect(cluster.alive()).toBe(true);

    await database.proxy.restore();
    await eventually(
      async () => (await cluster.sendRound()).every((status) => status === 202),
      30_000,
      'POST accepting again',
    );
    for (let round = 0; round < 2; round++) await cluster.sendRound();
    await expectEveryMessageAnsweredOnceInOrder(cluster);
    expect(cluster.alive()).toBe(true);
    expect([...cluster.statuses.keys()].filter((s) => s >= 500 && s !== 503)).toEqual([]);
  });
});

describe.skipIf(!TEST_DATABASE_URL || !TEST_REDIS_URL)('Redis cut mid-load (scale profile)', () => {
  let database: ProxiedDatabase;
  let redisProxy: FaultyProxy;
  let cluster: Cluster;
  afterEach(async () => {
    await cluster?.close();
    await redisProxy?.close();
    await database?.drop();
  });

  it('no 5xx, messages still accepted for ten seconds, every one answered once and in order after', async () => {
    database = await createProxiedTestDatabase();
    (await freshRedis(REDIS_DB)).disconnect();
    const direct = new URL(testRedisUrl(REDIS_DB));
    redisProxy = await startProxy(direct.hostname, Number(direct.port || 6379));
    const proxied = new URL(direct);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(redisProxy.port);
    cluster = await openCluster(
      { DATABASE_URL: database.url, REDIS_URL: proxied.toString() },
      database.url,
    );
    for (let round = 0; round < 3; round++) await cluster.sendRound();
    await eventually(() => cluster.webhook.deliveries.length > 0, 30_000, 'a first reply');

    await redisProxy.cut();
    const health = async () =>
      (await (await fetch(`${cluster.api.baseUrl}/health`)).json()) as {
        status: string;
        components: Record<string, { status: string }>;
      };
    await eventually(
      async () => (await health()).components.redis?.status === 'down',
      30_000,
      '/health saying Redis is down',
    );
    // The API keeps taking messages into PostgreSQL for the ten seconds Redis is away (one round
    // a second: the load of the drill, not a wait for something to happen).
    const cutAt = Date.now();
    const acceptedBefore = cluster.statuses.get(202) ?? 0;
    let rounds = 0;
    while (Date.now() - cutAt < 10_000) {
      await cluster.sendRound();
      rounds++;
      await sleep(1_000);
    }
    expect(cluster.statuses.get(202) ?? 0).toBe(acceptedBefore + rounds * CONTACTS);
    expect((await health()).status).toBe('degraded');
    expect((await fetch(`${cluster.api.baseUrl}/readyz`)).status).toBe(200);
    expect(cluster.alive()).toBe(true);

    await redisProxy.restore();
    await eventually(
      async () => (await health()).components.redis?.status === 'up',
      30_000,
      '/health saying Redis is up',
    );
    for (let round = 0; round < 2; round++) await cluster.sendRound();
    await expectEveryMessageAnsweredOnceInOrder(cluster);
    expect(cluster.alive()).toBe(true);
    expect([...cluster.statuses.keys()].filter((s) => s >= 500 && s !== 503)).toEqual([]);
  });
});
