import type { SimBehaviour } from '../../src/gateway/index.ts';
import {
  createGateway,
  type GatewayOptions,
  type LlmSimulator,
  startLlmSimulator,
} from '../../src/gateway/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import type { Backend } from '../support/services.ts';
import { rows } from '../support/sql.ts';

/**
 * Two simulators (primary speaks OpenAI, secondary Anthropic) and a runtime whose gateway reaches
 * them through the ordinary base-URL variables; `gateway()` builds another gateway on the same
 * runtime with options (a short breaker cooldown).
 */
export interface GatewayFixture {
  primary: LlmSimulator;
  secondary: LlmSimulator;
  test: TestRuntime;
  gateway(options?: GatewayOptions): ReturnType<typeof createGateway>;
  /** A tenant, contact, conversation and running turn, as the pipeline would have them. */
  turn(slug: string): Promise<{ tenantId: string; conversationId: string; turnId: string }>;
  close(): Promise<void>;
}

export async function gatewayFixture(
  backend: Backend,
  env: Record<string, string> = {},
  behaviours: { primary?: SimBehaviour; secondary?: SimBehaviour; redis?: string } = {},
): Promise<GatewayFixture> {
  const primary = await startLlmSimulator({
    behaviour: behaviours.primary,
    apiKeys: ['sk-openai'],
  });
  const secondary = await startLlmSimulator({
    behaviour: behaviours.secondary,
    apiKeys: ['sk-anthropic'],
  });
  const test = await openTestRuntime(
    backend,
    {
      OPENAI_API_KEY: 'sk-openai',
      OPENAI_BASE_URL: `${primary.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-anthropic',
      ANTHROPIC_BASE_URL: `${secondary.url}/v1`,
      PROVIDER_PRIORITY_ORDER: 'openai,anthropic',
      ...env,
    },
    { redis: behaviours.redis },
  );
  const { runtime } = test;
  return {
    primary,
    secondary,
    test,
    gateway: (options) =>
      createGateway(
        {
          config: runtime.config,
          db: runtime.database.db,
          logger: runtime.logger,
          registry: runtime.metrics.registry,
          redis: runtime.redis?.client,
        },
        options,
      ),
    turn: async (slug) => {
      const db = runtime.database.db;
      const [tenant] = await rows<{ id: string }>(
        db,
        `insert into tenants (slug, name) values ('${slug}', '${slug}') returning id`,
      );
      const tenantId = (tenant as { id: string }).id;
      const [contact] = await rows<{ id: string }>(
        db,
        `insert into contacts (tenant_id, channel, external_id) values ('${tenantId}', 'api', 'c-1') returning id`,
      );
      const [conversation] = await rows<{ id: string }>(
        db,
        `insert into conversations (tenant_id, contact_id, channel) values ('${tenantId}', '${(contact as { id: string }).id}', 'api') returning id`,
      );
      const conversationId = (conversation as { id: string }).id;
      const [turn] = await rows<{ id: string }>(
        db,
        `insert into turns (tenant_id, conversation_id, status, fencing_token) values ('${tenantId}', '${conversationId}', 'running', 1) returning id`,
      );
      return { tenantId, conversationId, turnId: (turn as { id: string }).id };
    },
    close: async () => {
      await test.close();
      await primary.close();
      await secondary.close();
    },
  };
}
