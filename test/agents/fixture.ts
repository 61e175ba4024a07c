/**
 * One Omni for agent tests, over real HTTP: the agents answer turns (the runtime's default
 * responder) through the gateway against the LLM simulator, whose answers a test scripts per
 * request (./model-script.ts); the REST channel delivers to a webhook simulator.
 */
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/index.ts';
import { type LlmSimulator, startLlmSimulator } from '../../src/gateway/index.ts';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createApiKey } from '../../src/tenancy/index.ts';
import { createAcmeDeliveringTo } from '../support/acme-tenant.ts';
import { controllerOf } from '../support/conversation-rows.ts';
import { pgliteTemplate } from '../support/database-templates.ts';
import { metricTotal } from '../support/metrics.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { type Backend, TEST_EGRESS_ALLOW, TEST_SECRET_KEY } from '../support/services.ts';
import { rows } from '../support/sql.ts';
import { startWebhookSim, type WebhookSim } from '../support/webhook-sim.ts';
import type { ChatRequest, Script } from './model-script.ts';

export interface AgentFixture {
  runtime: Runtime;
  baseUrl: string;
  llm: LlmSimulator;
  contactSide: WebhookSim;
  tenantId: string;
  /** Decides each simulator answer; replace it per test. */
  script: Script;
  contactSays(contact: string, text: string): Promise<string>;
  /** Texts the contact received, in order. */
  received(): string[];
  query<T>(sql: string): Promise<T[]>;
  /** Who answers the conversation now: `bot` or `human`. */
  controllerOf(conversationId: string): Promise<string | undefined>;
  metric(name: string): Promise<number>;
  /** The simulator's requests as chat bodies, in order. */
  chatRequests(): ChatRequest[];
  /** Every JSON log line the runtime wrote (level info and up), as written. */
  logLines(): string[];
  close(): Promise<void>;
}

export async function openAgentFixture(
  backend: Backend,
  options: { redisUrl?: string } = {},
): Promise<AgentFixture> {
  const database = backend === 'postgres' ? await createTestDatabase() : undefined;
  let script: Script = () => undefined;
  const llm = await startLlmSimulator({
    behaviour: { answer: 'ok' },
    apiKeys: ['sk-sim'],
    script: ({ body }) => script(body as ChatRequest),
  });
  const contactSide = await startWebhookSim();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DEBOUNCE_MS: '0',
    DEBOUNCE_MAX_MS: '0',
    QUEUE_CLAIM_IDLE_MS: '2000',
    OPENAI_API_KEY: 'sk-sim',
    OPENAI_BASE_URL: `${llm.url}/v1`,
    PROVIDER_PRIORITY_ORDER: 'openai',
    EGRESS_ALLOW: TEST_EGRESS_ALLOW,
    ...(database ? { DATABASE_URL: database.url, OMNI_SECRET_KEY: TEST_SECRET_KEY } : {}),
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
  });
  const logLines: string[] = [];
  const logSink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const runtime = await openRuntime(config, {
    logger: createLogger('info', logSink),
    inMemory: true,
    initialData: await pgliteTemplate(),
  });
  const server: OmniServer = await buildServer(runtime);
  const baseUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const { db } = runtime.database;
  const tenant = await createAcmeDeliveringTo(db, contactSide.url);
  const key = (
    await createApiKey(db, { tenantId: tenant.id, permissions: ['admin'] }, { type: 'system' })
  ).key;
  const workers = runtime.pipeline.startWorkers(['inbound', 'dispatcher']);

  const fixture: AgentFixture = {
    runtime,
    baseUrl,
    llm,
    contactSide,
    tenantId: tenant.id,
    get script() {
      return script;
    },
    set script(next: Script) {
      script = next;
    },
    async contactSays(contact, text) {
      const response = await fetch(`${baseUrl}/api/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ contact: { id: contact }, text }),
      });
      const body = (await response.json()) as { conversation_id: string };
      if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
      return body.conversation_id;
    },
    received: () => contactSide.deliveries.map((d) => d.body.text),
    query: (sql) => rows(db, sql),
    controllerOf: (conversationId) => controllerOf(db, conversationId),
    metric: (name) => metricTotal(runtime.metrics.registry, name),
    chatRequests: () => llm.requests.map((r) => r.body as ChatRequest),
    logLines: () => logLines,
    async close() {
      await workers.stop();
      await server.app.close();
      await runtime.close();
      await Promise.all([llm.close(), contactSide.close()]);
      await database?.drop();
    },
  };
  return fixture;
}
