/**
 * SPEC §4.5 with real processes: a worker killed with SIGKILL in the middle of its work loses
 * nothing, and another worker finishes it — on PostgreSQL, with either queue backend.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import type { QueueBackendName } from '../../src/queue/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createAcmeDeliveringTo } from '../support/acme-tenant.ts';
import { type RunningOmni, startOmni } from '../support/cli.ts';
import {
  createProxiedTestDatabase,
  createTestDatabase,
  type TestDatabase,
} from '../support/postgres.ts';
import { freshRedis, testRedisUrl } from '../support/redis.ts';
import { echoResponder } from '../support/responder.ts';
import { TEST_DATABASE_URL, TEST_EGRESS_ALLOW, TEST_SECRET_KEY } from '../support/services.ts';
import { rows } from '../support/sql.ts';
import { startWebhookSim, type WebhookSim } from '../support/webhook-sim.ts';
import { QUEUE_BACKENDS } from './harness.ts';

const REDIS_DB = 6;

interface Cluster {
  env: Record<string, string>;
  runtime: Runtime;
  webhook: WebhookSim;
  tenantId: string;
  workers: RunningOmni[];
  startWorker(overrides?: Record<string, string>): Promise<RunningOmni>;
  close(): Promise<void>;
}

async function openCluster(backend: QueueBackendName, database: TestDatabase): Promise<Cluster> {
  if (backend === 'redis') (await freshRedis(REDIS_DB)).disconnect();
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    OMNI_SECRET_KEY: TEST_SECRET_KEY,
    EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    QUEUE_CLAIM_IDLE_MS: '1000',
    DEBOUNCE_MS: '0',
    DEBOUNCE_MAX_MS: '0',
    ...(backend === 'redis' ? { QUEUE_BACKEND: 'redis', REDIS_URL: testRedisUrl(REDIS_DB) } : {}),
  };
  // The test's own process only ingests and inspects; the workers are separate processes.
  const runtime = await openRuntime(loadConfig(env), {
    logger: createLogger('silent'),
    responder: echoResponder().responder,
  });
  const webhook = await startWebhookSim();
  const tenant = await createAcmeDeliveringTo(runtime.database.db, webhook.url);
  const workers: RunningOmni[] = [];
  return {
    env,
    runtime,
    webhook,
    tenantId: tenant.id,
    workers,
    async startWorker(overrides = {}) {
      const worker = await startOmni(
        ['worker', '--role', 'all'],
        { ...env, ...overrides },
        /"msg":"worker roles ready"/,
      );
      workers.push(worker);
      return worker;
    },
    async close() {
      for (const worker of workers)
        if (worker.child.exitCode === null) await worker.stop('SIGKILL');
      await webhook.close();
      await runtime.close();
    },
  };
}

async function repliesPerInbound(runtime: Runtime): Promise<number[]> {
  const counts = await rows<{ n: number }>(
    runtime.database.db,
    `select count(distinct r.id)::int as n
       from messages i left join messages r on r.turn_id = i.turn_id and r.direction = 'outbound'
      where i.direction = 'inbound' group by i.id`,
  );
  return counts.map((c) => c.n);
}

describe.skipIf(!TEST_DATABASE_URL).each(QUEUE_BACKENDS)(
  'a worker killed with SIGKILL on the %s queue',
  (backend) => {
    let database: TestDatabase;
    let cluster: Cluster;
    afterEach(async () => {
      await cluster?.close();
      await database?.drop();
    });

    it('in the middle of a send: another worker finishes, every message answered and delivered once', async () => {
      database = await createTestDatabase();
      cluster = await openCluster(backend, database);
      cluster.webhook.delayResponses(10_000);
      const doomed = await cluster.startWorker();
      for (let i = 0; i < 5; i++) {
        await cluster.runtime.pipeline.ingest({
          tenantId: cluster.tenantId,
          channel: 'api',
          contact: { externalId: `k${i}` },
          text: `pergunta ${i}`,
        });
      }
      await expect.poll(() => cluster.webhook.requests, { timeout: 15_000 }).toBeGreaterThan(0);
      expect(await doomed.stop('SIGKILL')).toBeNull();
      cluster.webhook.delayResponses(0);

      await cluster.startWorker();
      await expect.poll(() => cluster.webhook.deliveries.length, { timeout: 30_000 }).toBe(5);
      await expect
        .poll(
          async () =>
            (
              await rows<{ status: string }>(
                cluster.runtime.database.db,
                'select status from outbox',
              )
            ).map((r) => r.status),
          {
            timeout: 15_000,
          },
        )
        .toEqual(['enviada', 'enviada', 'enviada', 'enviada', 'enviada']);
      await sleep(1_000);
      expect(cluster.webhook.deliveries).toHaveLength(5);
      expect(await repliesPerInbound(cluster.runtime)).toEqual([1, 1, 1, 1, 1]);
    }, 90_000);

    it('in the middle of a turn: the next worker answers once, after the dead one’s lease runs out', async () => {
      const proxied = await createProxiedTestDatabase();
      database = proxied;
      cluster = await openCluster(backend, database);
      const { db } = cluster.runtime.database;
      // The doomed worker reaches the database through a proxy that can slow it down mid-turn.
      const doomed = await cluster.startWorker({ DATABASE_URL: proxied.proxiedUrl });
      proxied.proxy.setLatency(250);
      await cluster.runtime.pipeline.ingest({
        tenantId: cluster.tenantId,
        channel: 'api',
        contact: { externalId: 'mid-turn' },
        text: 'quero falar com um atendente',
      });
      await expect
        .poll(
          async () =>
            (await rows<{ status: string }>(db, 'select status from messages'))[0]?.status,
          {
            timeout: 20_000,
            interval: 50,
          },
        )
        .toBe('processing');
      expect(await doomed.stop('SIGKILL')).toBeNull();
      proxied.proxy.setLatency(0);

      await cluster.startWorker();
      await expect.poll(() => cluster.webhook.deliveries.length, { timeout: 30_000 }).toBe(1);
      expect(cluster.webhook.deliveries[0]?.body.text).toContain('atendente humano');
      await sleep(1_500);
      expect(cluster.webhook.deliveries).toHaveLength(1);
      expect(await repliesPerInbound(cluster.runtime)).toEqual([1]);
      const turns = await rows<{ status: string }>(
        db,
        'select status from turns order by started_at',
      );
      expect(turns.map((t) => t.status)).toEqual(['abandoned', 'committed']);
    }, 90_000);
  },
);
