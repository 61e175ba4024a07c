/**
 * One Omni for handoff tests, over real HTTP: the gateway answering turns against the LLM
 * simulator, the REST channel delivering to a webhook simulator (the contact's side), Slack and
 * Chatwoot simulators, every worker role running, a tenant and an admin API key.
 */
import { loadConfig } from '../../src/config/index.ts';
import { type LlmSimulator, startLlmSimulator } from '../../src/gateway/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import type { QueueBackendName } from '../../src/queue/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createApiKey } from '../../src/tenancy/index.ts';
import { createAcmeDeliveringTo } from '../support/acme-tenant.ts';
import { type ChatwootSim, startChatwootSim } from '../support/chatwoot-sim.ts';
import { chatwootTwinOf, controllerOf } from '../support/conversation-rows.ts';
import { pgliteTemplate } from '../support/database-templates.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { freshRedis, testRedisUrl } from '../support/redis.ts';
import {
  type Backend,
  TEST_DATABASE_URL,
  TEST_EGRESS_ALLOW,
  TEST_REDIS_URL,
  TEST_SECRET_KEY,
} from '../support/services.ts';
import { type SlackSim, startSlackSim } from '../support/slack-sim.ts';
import { rows } from '../support/sql.ts';
import { startWebhookSim, type WebhookSim } from '../support/webhook-sim.ts';

export const REDIS_DB = 15;
export const CHATWOOT_TOKEN = 'cw-hook-secret';

export interface HandoffFixture {
  runtime: Runtime;
  server: OmniServer;
  baseUrl: string;
  llm: LlmSimulator;
  slack: SlackSim;
  chatwoot: ChatwootSim;
  /** The contact's side of the REST channel: every message Omni sent them. */
  contactSide: WebhookSim;
  tenantId: string;
  key: string;
  /** The contact writes (POST /api/v1/messages); resolves with the conversation id. */
  contactSays(contact: string, text: string): Promise<string>;
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  /** Texts the contact received, in order. */
  received(): string[];
  query<T>(sql: string): Promise<T[]>;
  /** Who answers the conversation now: `bot` or `human`. */
  controllerOf(conversationId: string): Promise<string | undefined>;
  /** The conversation's twin in Chatwoot, once mirrored. */
  chatwootTwinOf(conversationId: string): Promise<number>;
  close(): Promise<void>;
}

export interface Backends {
  database: Backend;
  queue: QueueBackendName;
}

/** PGlite with the Postgres queue always; PostgreSQL and Redis Streams too when the tests have them. */
export const BACKENDS: Backends[] = [
  { database: 'pglite', queue: 'postgres' },
  ...(TEST_DATABASE_URL
    ? [
        {
          database: 'postgres' as const,
          queue: TEST_REDIS_URL ? ('redis' as const) : ('postgres' as const),
        },
      ]
    : TEST_REDIS_URL
      ? [{ database: 'pglite' as const, queue: 'redis' as const }]
      : []),
];

export async function openHandoffFixture(
  options: { backends?: Backends; env?: Record<string, string> } = {},
): Promise<HandoffFixture> {
  const backends = options.backends ?? { database: 'pglite', queue: 'postgres' };
  const database = backends.database === 'postgres' ? await createTestDatabase() : undefined;
  const llm = await startLlmSimulator({
    apiKeys: ['sk-sim'],
    // The agents' router is sure it is a support question; the support agent echoes the contact.
    script: ({ body }) => (routing(body) ? ROUTE_TO_SUPPORT : { echo: true }),
  });
  const slack = await startSlackSim();
  const chatwoot = await startChatwootSim();
  const contactSide = await startWebhookSim();
  if (backends.queue === 'redis') (await freshRedis(REDIS_DB)).disconnect();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DEBOUNCE_MS: '0',
    DEBOUNCE_MAX_MS: '0',
    QUEUE_CLAIM_IDLE_MS: '1500',
    OPENAI_API_KEY: 'sk-sim',
    OPENAI_BASE_URL: `${llm.url}/v1`,
    PROVIDER_PRIORITY_ORDER: 'openai',
    SLACK_WEBHOOK_URL: slack.url,
    CHATWOOT_URL: chatwoot.url,
    CHATWOOT_API_TOKEN: chatwoot.token,
    CHATWOOT_ACCOUNT_ID: chatwoot.accountId,
    CHATWOOT_INBOX_ID: chatwoot.inboxId,
    CHATWOOT_WEBHOOK_TOKEN: CHATWOOT_TOKEN,
    EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    ...(database ? { DATABASE_URL: database.url, OMNI_SECRET_KEY: TEST_SECRET_KEY } : {}),
    ...(backends.queue === 'redis'
      ? { QUEUE_BACKEND: 'redis', REDIS_URL: testRedisUrl(REDIS_DB) }
      : {}),
    ...options.env,
  });
  const runtime = await openRuntime(config, {
    logger: createLogger('silent'),
    inMemory: true,
    initialData: await pgliteTemplate(),
  });
  const server = await buildServer(runtime);
  const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const { db } = runtime.database;
  const tenant = await createAcmeDeliveringTo(db, contactSide.url, { language: 'en' });
  const key = (
    await createApiKey(db, { tenantId: tenant.id, permissions: ['admin'] }, { type: 'system' })
  ).key;
  chatwoot.webhookUrl = `${baseUrl}/webhooks/chatwoot/acme?token=${CHATWOOT_TOKEN}`;
  const workers = runtime.pipeline.startWorkers(['inbound', 'dispatcher', 'integrations']);

  const api = async <T = unknown>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        'x-api-key': key,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  return {
    runtime,
    server,
    baseUrl,
    llm,
    slack,
    chatwoot,
    contactSide,
    tenantId: tenant.id,
    key,
    api,
    async contactSays(contact, text) {
      const { status, body } = await api<{ conversation_id: string }>('POST', '/api/v1/messages', {
        contact: { id: contact },
        text,
      });
      if (status !== 202) throw new Error(`ingest answered ${status}: ${JSON.stringify(body)}`);
      return body.conversation_id;
    },
    received: () => contactSide.deliveries.map((d) => d.body.text),
    query: (sql) => rows(db, sql),
    controllerOf: (conversationId) => controllerOf(db, conversationId),
    chatwootTwinOf: (conversationId) => chatwootTwinOf(db, conversationId),
    async close() {
      await workers.stop();
      await server.app.close();
      await runtime.close();
      await Promise.all([llm.close(), slack.close(), chatwoot.close(), contactSide.close()]);
      await database?.drop();
    },
  };
}

const ROUTE_TO_SUPPORT = {
  toolCall: {
    name: 'route_conversation',
    input: { agent: 'support', intent: 'general', confidence: 0.95 },
  },
};

/** The agents' router call is the one offering the `route_conversation` tool. */
function routing(body: unknown): boolean {
  const tools = (body as { tools?: Array<{ function?: { name?: string } }> }).tools ?? [];
  return tools.some((tool) => tool.function?.name === 'route_conversation');
}

export { eventually } from '../support/eventually.ts';
