import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXT_CHAR_BUDGET } from '../../src/agents/context.ts';
import { SUMMARY_INSTRUCTIONS } from '../../src/agents/summary.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime } from '../../src/runtime/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { pgliteTemplate } from '../support/database-templates.ts';
import { eventually } from '../support/eventually.ts';
import { rows } from '../support/sql.ts';
import { type AgentFixture, openAgentFixture } from './fixture.ts';
import { type ChatRequest, isRouting, route } from './model-script.ts';

const SUMMARY = 'RESUMO: Ana quer trocar a geladeira do pedido 4512 por outra igual.';

/** The system prompt of a request as the simulator received it. */
const systemOf = (request: ChatRequest) =>
  JSON.stringify(request.messages.find((m) => m.role === 'system')?.content ?? '');
const isSummarising = (request: ChatRequest) => systemOf(request).includes('running summary');

/**
 * Issue 15 acceptance 6: once the context window would be cut, what falls out of it is folded into
 * the conversation's rolling summary by the simple-query model, and the agents read that summary.
 */
describe('rolling conversation summary', () => {
  let omni: AgentFixture;
  beforeAll(async () => {
    omni = await openAgentFixture('pglite');
  }, 60_000);
  afterAll(() => omni?.close());

  it('is made when the window would be cut, stored on the conversation and put in the agent prompt', async () => {
    omni.script = (request) => {
      if (isSummarising(request)) return { answer: SUMMARY };
      if (isRouting(request)) return route('support', 'returns', 0.9);
      return { answer: `ok ${omni.received().length + 1}` };
    };
    // Five messages of 3,500 characters: the fifth turn no longer fits the first one in 16,000.
    const long = (n: number) =>
      `Mensagem ${n}: ${'a geladeira chegou quebrada '.repeat(140)}`.slice(0, 3_500);
    expect(5 * 3_500).toBeGreaterThan(CONTEXT_CHAR_BUDGET);
    let conversation = '';
    for (let n = 1; n <= 5; n += 1) {
      conversation = await omni.contactSays('ana', long(n));
      await eventually(() => omni.received().length === n, 30_000, `reply ${n}`);
      if (n === 4) {
        // Four fit: no summary was asked for, none was used.
        expect(omni.chatRequests().filter(isSummarising)).toEqual([]);
      }
    }
    const summarising = omni.chatRequests().filter(isSummarising);
    expect(summarising).toHaveLength(1);
    expect(systemOf(summarising[0] as ChatRequest)).toContain(SUMMARY_INSTRUCTIONS.slice(0, 60));
    // The summariser read the message that fell out of the window (and only that one).
    const folded = JSON.stringify(summarising[0]?.messages);
    expect(folded).toContain('Mensagem 1:');
    expect(folded).not.toContain('Mensagem 2:');

    const agentRequests = omni.chatRequests().filter((r) => !isSummarising(r) && !isRouting(r));
    const last = agentRequests[agentRequests.length - 1] as ChatRequest;
    expect(systemOf(last)).toContain('Summary of the earlier conversation');
    expect(systemOf(last)).toContain(SUMMARY);
    expect(JSON.stringify(last.messages)).not.toContain('Mensagem 1:');
    for (const earlier of agentRequests.slice(0, -1)) {
      expect(systemOf(earlier)).not.toContain('Summary of the earlier conversation');
    }
    const [row] = await omni.query<{ summary: string; covered: boolean }>(
      `select summary, summary_through is not null as covered from conversations where id = '${conversation}'`,
    );
    expect(row).toEqual({ summary: SUMMARY, covered: true });
  }, 180_000);
});

describe('rolling conversation summary without any model', () => {
  it('keeps the last exchanges that fell out of the window', async () => {
    // No provider configured: the agents answer through the gateway's offline responder.
    const runtime = await openRuntime(
      loadConfig({ LOG_LEVEL: 'silent', DEBOUNCE_MS: '0', DEBOUNCE_MAX_MS: '0' }),
      { logger: createLogger('silent'), inMemory: true, initialData: await pgliteTemplate() },
    );
    try {
      const { db } = runtime.database;
      const tenant = await createTenant(db, { slug: 'offline' }, { type: 'system' });
      let conversationId = '';
      for (let n = 1; n <= 5; n += 1) {
        const ingested = await runtime.pipeline.ingest({
          tenantId: tenant.id,
          channel: 'api',
          contact: { externalId: 'bia' },
          text: `Mensagem ${n}: ${'o sofá veio com a cor errada '.repeat(130)}`.slice(0, 3_500),
        });
        conversationId = ingested.conversationId;
        while ((await runtime.pipeline.runOnce('inbound')) > 0) {}
        const [state] = await rows<{ status: string }>(
          db,
          `select status from messages where id = '${ingested.messageId}'`,
        );
        expect(state?.status).toBe('answered');
      }
      const [row] = await rows<{ summary: string | null }>(
        db,
        `select summary from conversations where id = '${conversationId}'`,
      );
      expect(row?.summary).toMatch(/^Customer: Mensagem 1: o sofá veio com a cor errada/);
      // Only the first message fell out: the bot's short reply to it still fits the window.
      expect(row?.summary).not.toContain('Mensagem 2:');
    } finally {
      await runtime.close();
    }
  }, 180_000);
});
