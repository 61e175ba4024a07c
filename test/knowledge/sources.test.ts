import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/index.ts';
import {
  crawlSite,
  ingestDocument,
  readSource,
  searchKnowledge,
  sourceFiles,
} from '../../src/knowledge/index.ts';
import { queryRows } from '../../src/storage/index.ts';
import { createApiKey, createTenant } from '../../src/tenancy/index.ts';
import { pdfWithText } from '../support/pdf.ts';
import { openTestRuntime, type TestRuntime } from '../support/runtime.ts';

describe('PDF and website sources (acceptance 5)', () => {
  let test: TestRuntime;
  let server: Server;
  let base: string;
  const requested: string[] = [];

  beforeAll(async () => {
    test = await openTestRuntime('pglite');
    server = createServer((request, response) => {
      requested.push(`${request.headers.host} ${request.url}`);
      const port = (server.address() as AddressInfo).port;
      const page = (title: string, body: string) => {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(`<html><body><h1>${title}</h1>${body}</body></html>`);
      };
      switch (request.url) {
        case '/robots.txt':
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end('User-agent: *\nDisallow: /privado\n');
          return;
        case '/sitemap.xml':
          response.writeHead(200, { 'content-type': 'application/xml' });
          response.end(
            `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://127.0.0.1:${port}/planos</loc></url><url><loc>http://127.0.0.1:${port}/privado/precos</loc></url></urlset>`,
          );
          return;
        case '/':
          return page(
            'Provedor Exemplo',
            `<p>Internet de fibra para a sua casa.</p><a href="/planos">Planos</a> <a href="/contato#form">Contato</a> <a href="/privado/precos">Interno</a> <a href="http://localhost:${port}/fora">Outro site</a>`,
          );
        case '/planos':
          return page(
            'Planos',
            '<p>O plano de 500 Mega custa R$ 109,90 por mês, sem fidelidade.</p>',
          );
        case '/contato':
          return page('Contato', '<p>Fale conosco pelo telefone 0800 123 4567, das 8h às 20h.</p>');
        default:
          response.writeHead(404);
          response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await test?.close();
  });

  it('ingests a PDF file by its text', async () => {
    const db = test.runtime.database.db;
    const tenantId = (await createTenant(db, { slug: 'pdf' }, { type: 'system' })).id;
    const dir = await mkdtemp(join(tmpdir(), 'omni-pdf-'));
    try {
      await writeFile(
        join(dir, 'regulamento.pdf'),
        pdfWithText([
          'Regulamento da promocao de verao.',
          'O desconto de 20 por cento vale ate 31 de janeiro para novos clientes.',
        ]),
      );
      const [file] = await sourceFiles(dir);
      expect(file).toMatchObject({ source: 'regulamento.pdf', format: 'text' });
      const content = await readSource(file as NonNullable<typeof file>);
      expect(content).toContain('desconto de 20 por cento');
      const result = await ingestDocument(db, {
        tenantId,
        source: 'regulamento.pdf',
        content,
        format: 'text',
      });
      expect(result.status).toBe('created');
      const [passage] = await searchKnowledge(db, {
        tenantId,
        query: 'ate quando vale o desconto?',
      });
      expect(passage?.source).toBe('regulamento.pdf');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('crawls a site through its links: same site only, robots.txt respected; a re-crawl writes nothing', async () => {
    const db = test.runtime.database.db;
    const tenantId = (await createTenant(db, { slug: 'site' }, { type: 'system' })).id;
    const first = await crawlSite(db, { tenantId, url: `${base}/` });
    const status = (path: string) => first.pages.find((p) => p.source === `${base}${path}`)?.status;
    expect(status('/')).toBe('created');
    expect(status('/planos')).toBe('created');
    expect(status('/contato')).toBe('created');
    expect(first.pages.find((p) => p.source.endsWith('/privado/precos'))).toMatchObject({
      status: 'skipped',
      reason: 'robots.txt',
    });
    expect(requested.some((r) => r.includes('/privado'))).toBe(false);
    expect(requested.some((r) => r.startsWith('localhost'))).toBe(false);
    const [passage] = await searchKnowledge(db, {
      tenantId,
      query: 'quanto custa o plano de 500 mega',
    });
    expect(passage?.source).toBe(`${base}/planos`);

    const state = () =>
      queryRows<{ id: string; updated_at: string; chunks: string }>(
        db,
        sql`select d.id, d.updated_at::text,
                   (select string_agg(c.id::text, ',' order by c.id) from kb_chunks c where c.document_id = d.id) as chunks
              from kb_documents d where d.tenant_id = ${tenantId} order by d.id`,
      );
    const before = await state();
    const again = await crawlSite(db, { tenantId, url: `${base}/` });
    expect(again.pages.filter((p) => p.status !== 'skipped').map((p) => p.status)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(await state()).toEqual(before);
  });

  it('crawls the pages a sitemap lists, robots.txt still respected', async () => {
    const db = test.runtime.database.db;
    const tenantId = (await createTenant(db, { slug: 'sitemap' }, { type: 'system' })).id;
    const result = await crawlSite(db, { tenantId, url: `${base}/sitemap.xml`, sitemap: true });
    expect(result.pages.map((p) => [p.source.replace(base, ''), p.status])).toEqual([
      ['/planos', 'created'],
      ['/privado/precos', 'skipped'],
    ]);
  });

  it('crawls a sitemap through the API (POST /api/v1/kb/crawl), as the dashboard does', async () => {
    const db = test.runtime.database.db;
    const tenantId = (await createTenant(db, { slug: 'api-crawl' }, { type: 'system' })).id;
    const { key } = await createApiKey(
      db,
      { tenantId, permissions: ['read', 'write'] },
      { type: 'system' },
    );
    const server = await buildServer(test.runtime);
    try {
      const response = await server.app.inject({
        method: 'POST',
        url: '/api/v1/kb/crawl',
        headers: { 'x-api-key': key },
        payload: { url: `${base}/sitemap.xml`, sitemap: true },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        pages: [
          { source: `${base}/planos`, status: 'created', chunks: 1 },
          { source: `${base}/privado/precos`, status: 'skipped', reason: 'robots.txt' },
        ],
      });
      const refused = await server.app.inject({
        method: 'POST',
        url: '/api/v1/kb/crawl',
        headers: { 'x-api-key': key },
        payload: { url: 'ftp://example.com/' },
      });
      expect(refused.statusCode).toBe(400);
    } finally {
      await server.app.close();
    }
  });
});
