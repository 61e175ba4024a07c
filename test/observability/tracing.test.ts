import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { type LlmSimulator, startLlmSimulator } from '../../src/gateway/index.ts';
import { createLogger } from '../../src/observability/index.ts';
import { openRuntime, type Runtime } from '../../src/runtime/index.ts';
import { createTenant } from '../../src/tenancy/index.ts';
import { pgliteTemplate } from '../support/database-templates.ts';
import { eventually } from '../support/eventually.ts';
import { rows } from '../support/sql.ts';

interface ExportedSpan {
  name: string;
  traceId: string;
  attributes: Array<{ key: string; value: { stringValue?: string } }>;
}

/** An OTLP/HTTP collector over real HTTP: keeps every span it is sent (JSON encoding). */
async function startCollector(): Promise<{ url: string; spans: ExportedSpan[]; server: Server }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const payload = JSON.parse(body) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }>;
      };
      for (const resource of payload.resourceSpans) {
        for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('OpenTelemetry traces', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let llm: LlmSimulator;
  let runtime: Runtime;

  beforeAll(async () => {
    collector = await startCollector();
    llm = await startLlmSimulator({ behaviour: { answer: 'Olá! Como posso ajudar?' } });
    runtime = await openRuntime(
      loadConfig({
        LOG_LEVEL: 'silent',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: `${llm.url}/v1`,
        PROVIDER_PRIORITY_ORDER: 'openai',
        DEBOUNCE_MS: '0',
      }),
      { logger: createLogger('silent'), inMemory: true, initialData: await pgliteTemplate() },
    );
  });
  afterAll(async () => {
    await llm.close();
    collector.server.close();
  });

  it('exports a span per turn and per dispatch, with the model call inside the turn and no prompt text', async () => {
    const tenant = await createTenant(runtime.database.db, { slug: 'traced' }, { type: 'system' });
    const workers = runtime.pipeline.startWorkers(['inbound', 'dispatcher']);
    const { conversationId } = await runtime.pipeline.ingest({
      tenantId: tenant.id,
      channel: 'api',
      contact: { externalId: 'c-1' },
      text: 'Meu CPF é 529.982.247-25, qual o horário?',
    });
    // Done when the reply has been sent: both spans have ended by then.
    await eventually(
      async () => {
        const [row] = await rows<{ sent: number }>(
          runtime.database.db,
          "select count(*)::int as sent from outbox where status = 'enviada'",
        );
        return row?.sent === 1;
      },
      60_000,
      'the reply to be sent',
    );
    await workers.stop();
    await runtime.close(); // flushes the batch of spans

    const turn = collector.spans.find((s) => s.name === 'turn');
    expect(turn?.attributes).toContainEqual({
      key: 'conversation_id',
      value: { stringValue: conversationId },
    });
    expect(collector.spans.some((s) => s.name === 'dispatch')).toBe(true);
    const modelCalls = collector.spans.filter((s) => s.name.startsWith('ai.'));
    expect(modelCalls.length).toBeGreaterThan(0);
    expect(modelCalls.every((s) => s.traceId === turn?.traceId)).toBe(true);
    expect(JSON.stringify(collector.spans)).not.toContain('529.982.247-25');
  });
});
