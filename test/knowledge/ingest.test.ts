import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type OmniServer } from '../../src/http/index.ts';
import {
  chunkSections,
  ingestDocument,
  knowledgeLookup,
  parseDocument,
  searchKnowledge,
} from '../../src/knowledge/index.ts';
import { createApiKey, createTenant } from '../../src/tenancy/index.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { BACKENDS } from '../support/services.ts';

const MARKDOWN = `# Central de Ajuda

Bem-vindo à ajuda da Acme.

## Planos e preços

O plano Básico custa R$ 49 por mês e inclui 3 usuários.

O plano Pro custa R$ 149 por mês, com usuários ilimitados e suporte prioritário.

## Devoluções

Você pode devolver um produto em até 30 dias após o recebimento, sem custo.
`;

const HTML = `<html><head><style>p{}</style></head><body><nav>menu</nav>
<h1>Shipping</h1><p>We ship to every state of Brazil.</p>
<h2>Delivery times</h2><p>Orders arrive within 5 business days in capitals.</p></body></html>`;

const FAQ = JSON.stringify([
  {
    question: 'Qual o horário de atendimento?',
    answer: 'Atendemos de segunda a sexta, das 9h às 18h.',
  },
  {
    pergunta: 'Vocês emitem nota fiscal?',
    resposta: 'Sim, a nota fiscal eletrônica segue por e-mail.',
  },
]);

describe('knowledge-base structure', () => {
  it('cuts Markdown on headings and keeps the heading path', () => {
    const parsed = parseDocument(MARKDOWN, 'markdown');
    expect(parsed.title).toBe('Central de Ajuda');
    const chunks = chunkSections(parsed.sections);
    expect(chunks.map((c) => c.heading)).toEqual([
      'Central de Ajuda',
      'Central de Ajuda › Planos e preços',
      'Central de Ajuda › Devoluções',
    ]);
    expect(chunks[1]?.content).toContain('plano Pro');
  });

  it('reads HTML headings, skips navigation and styles', () => {
    const chunks = chunkSections(parseDocument(HTML, 'html').sections);
    expect(chunks.map((c) => c.heading)).toEqual(['Shipping', 'Shipping › Delivery times']);
    expect(chunks.map((c) => c.content).join(' ')).not.toMatch(/menu|p\{\}/);
  });

  it('makes one passage per FAQ pair, in English or Portuguese keys', () => {
    const chunks = chunkSections(parseDocument(FAQ, 'json').sections);
    expect(chunks).toHaveLength(2);
    expect(chunks[1]?.heading).toBe('Vocês emitem nota fiscal?');
  });

  it('splits a long paragraph on sentences under the size cap', () => {
    const long = 'Uma frase sobre o produto. '.repeat(200);
    const chunks = chunkSections(parseDocument(long, 'text').sections, 500);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(chunk.content.length).toBeLessThanOrEqual(500);
  });
});

describe.each(BACKENDS)('knowledge base (%s)', (backend) => {
  let test: TestRuntime;
  let server: OmniServer;
  let tenantId: string;
  let otherTenantId: string;
  let key: string;

  beforeAll(async () => {
    test = await openTestRuntime(backend);
    server = await buildServer(test.runtime);
    const db = test.runtime.database.db;
    tenantId = (await createTenant(db, { slug: 'acme' }, { type: 'system' })).id;
    otherTenantId = (await createTenant(db, { slug: 'other' }, { type: 'system' })).id;
    key = (await createApiKey(db, { tenantId, permissions: ['read', 'write'] }, { type: 'system' }))
      .key;
  });
  afterAll(async () => {
    await server?.app.close();
    await test?.close();
  });

  it('ingests through the API; the same content again is a no-op, new content replaces', async () => {
    const post = (content: string) =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/kb/documents',
        headers: { 'x-api-key': key },
        payload: { source: 'ajuda.md', format: 'markdown', content },
      });
    const first = await post(MARKDOWN);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ status: 'created', chunks: 3, title: 'Central de Ajuda' });
    const again = await post(MARKDOWN);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'unchanged', chunks: 3, id: first.json().id });
    const changed = await post(
      `${MARKDOWN}\n## Garantia\n\nGarantia de um ano em todos os produtos.\n`,
    );
    expect(changed.json()).toMatchObject({ status: 'updated', chunks: 4, id: first.json().id });
  });

  it('lists each document with its passage count', async () => {
    const response = await server.app.inject({
      url: '/api/v1/kb/documents',
      headers: { 'x-api-key': key },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().documents).toEqual([
      expect.objectContaining({ source: 'ajuda.md', chunks: 4 }),
    ]);
  });

  it('searches accent- and case-insensitively in Portuguese and English, with scores and sources', async () => {
    const db = test.runtime.database.db;
    await ingestDocument(db, { tenantId, source: 'shipping.html', content: HTML, format: 'html' });
    await ingestDocument(db, { tenantId, source: 'faq.json', content: FAQ, format: 'json' });

    const response = await server.app.inject({
      method: 'GET',
      url: `/api/v1/kb/search?q=${encodeURIComponent('quanto CUSTA o plano pro? preco')}`,
      headers: { 'x-api-key': key },
    });
    expect(response.statusCode).toBe(200);
    const { passages } = response.json() as {
      passages: Array<{
        score: number;
        text: string;
        source: { source: string };
        citation: string;
      }>;
    };
    expect(passages[0]?.text).toContain('plano Pro custa R$ 149');
    expect(passages[0]?.source.source).toBe('ajuda.md');
    expect(passages[0]?.citation).toBe('Central de Ajuda › Planos e preços — ajuda.md');
    expect(passages[0]?.score).toBeGreaterThan(0);

    const noAccents = await searchKnowledge(db, { tenantId, query: 'devolucoes em quantos dias' });
    expect(noAccents[0]?.heading).toBe('Central de Ajuda › Devoluções');
    const english = await searchKnowledge(db, { tenantId, query: 'how long does delivery take?' });
    expect(english[0]?.source).toBe('shipping.html');
    const faq = await searchKnowledge(db, { tenantId, query: 'horario de atendimento' });
    expect(faq[0]?.content).toContain('segunda a sexta');
  });

  it('keeps tenants apart and finds nothing for what the base does not hold', async () => {
    const db = test.runtime.database.db;
    expect(await searchKnowledge(db, { tenantId: otherTenantId, query: 'plano pro' })).toEqual([]);
    expect(await searchKnowledge(db, { tenantId, query: '?!' })).toEqual([]);
    const lookup = knowledgeLookup(db);
    expect(await lookup({ tenantId, text: 'qual a cor do céu em marte' })).toBeNull();
    expect(await lookup({ tenantId, text: 'Vocês emitem nota fiscal?' })).toMatchObject({
      text: 'Sim, a nota fiscal eletrônica segue por e-mail.',
      citation: 'Vocês emitem nota fiscal? — faq.json',
    });
  });

  it('lets the offline responder (no LLM configured) answer from the knowledge base with the citation', async () => {
    const result = await test.runtime.gateway.generate({
      tenantId,
      messages: [{ role: 'user', content: 'voces emitem nota fiscal?' }],
    });
    expect(result).toMatchObject({ provider: 'local', fallback: 'no_provider' });
    expect(result.text).toBe(
      'Sim, a nota fiscal eletrônica segue por e-mail.\n\n(Vocês emitem nota fiscal? — faq.json)',
    );
  });

  it('refuses a JSON that is not a FAQ with a 400 naming the expected shape', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/kb/documents',
      headers: { 'x-api-key': key },
      payload: { source: 'bad.json', format: 'json', content: '{"hello": 1}' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/question/);
  });
});
