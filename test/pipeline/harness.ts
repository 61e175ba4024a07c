/**
 * One Omni in this process for pipeline tests: a runtime on PGlite with the chosen queue backend,
 * the HTTP server, a tenant whose outbound webhook is a simulator, and the workers running.
 */
import { sql } from 'drizzle-orm';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import type { QueueBackendName } from '../../src/queue/index.ts';
import { createApiKey } from '../../src/tenancy/index.ts';
import { createAcmeDeliveringTo } from '../support/acme-tenant.ts';
import { metricTotal } from '../support/metrics.ts';
import { freshRedis, testRedisUrl } from '../support/redis.ts';
import { echoResponder, type RecordingResponder } from '../support/responder.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { TEST_REDIS_URL } from '../support/services.ts';
import { rows } from '../support/sql.ts';
import { startWebhookSim, type WebhookSim } from '../support/webhook-sim.ts';

export const QUEUE_BACKENDS: QueueBackendName[] = TEST_REDIS_URL
  ? ['postgres', 'redis']
  : ['postgres'];

export interface Harness {
  test: TestRuntime;
  server: OmniServer;
  webhook: WebhookSim;
  echo: RecordingResponder;
  tenantId: string;
  key: string;
  /** POST /api/v1/messages as the REST channel's caller. */
  send(
    contact: string,
    text: string,
    externalId?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  startWorkers(): void;
  metric(name: string): Promise<number>;
  repliesFor(conversationId: string): Promise<Array<{ body: string; status: string }>>;
  close(): Promise<void>;
}

export async function openHarness(
  backend: QueueBackendName,
  options: {
    env?: Record<string, string>;
    responderDelayMs?: number;
    redisDb?: number;
    workers?: boolean;
  } = {},
): Promise<Harness> {
  const redisDb = options.redisDb ?? 3;
  if (backend === 'redis') (await freshRedis(redisDb)).disconnect();
  const echo = echoResponder(options.responderDelayMs ?? 0);
  const test = await openTestRuntime(
    'pglite',
    {
      DEBOUNCE_MS: '0',
      DEBOUNCE_MAX_MS: '0',
      QUEUE_CLAIM_IDLE_MS: '1000',
      ...(backend === 'redis' ? { QUEUE_BACKEND: 'redis', REDIS_URL: testRedisUrl(redisDb) } : {}),
      ...options.env,
    },
    { responder: echo.responder },
  );
  const server = await buildServer(test.runtime);
  const webhook = await startWebhookSim();
  const { db } = test.runtime.database;
  const tenant = await createAcmeDeliveringTo(db, webhook.url, {
    outbound_webhook_secret: 'hook-secret',
  });
  const key = (
    await createApiKey(db, { tenantId: tenant.id, permissions: ['admin'] }, { type: 'system' })
  ).key;
  let workers: { stop(): Promise<void> } | undefined;

  const harness: Harness = {
    test,
    server,
    webhook,
    echo,
    tenantId: tenant.id,
    key,
    async send(contact, text, externalId) {
      const response = await server.app.inject({
        method: 'POST',
        url: '/api/v1/messages',
        headers: { 'x-api-key': key },
        payload: {
          contact: { id: contact },
          text,
          ...(externalId ? { external_id: externalId } : {}),
        },
      });
      return { status: response.statusCode, body: response.json() };
    },
    startWorkers() {
      workers = test.runtime.pipeline.startWorkers(['inbound', 'dispatcher']);
    },
    metric: (name) => metricTotal(test.runtime.metrics.registry, name),
    async repliesFor(conversationId) {
      return rows<{ body: string; status: string }>(
        db,
        `select body, status from messages where conversation_id = '${conversationId}'
          and direction = 'outbound' order by created_at, id`,
      );
    },
    async close() {
      await workers?.stop();
      await server.app.close();
      await webhook.close();
      await test.close();
    },
  };
  if (options.workers ?? true) harness.startWorkers();
  return harness;
}

export async function countRows(harness: Harness, query: string): Promise<number> {
  const [row] = await rows<{ n: number }>(harness.test.runtime.database.db, query);
  return Number(row?.n ?? 0);
}

export { sql };
