/**
 * The caller's knowledge base (SPEC §7.5): add documents or a website, list and delete them, search
 * passages.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  citationOf,
  crawlSite,
  deleteDocument,
  ingestDocument,
  KB_FORMATS,
  listDocuments,
  searchKnowledge,
} from '../../knowledge/index.ts';
import type { Db } from '../../storage/index.ts';
import { callerTenant } from '../auth.ts';

const documentBody = z.object({
  source: z.string().trim().min(1).max(500),
  content: z.string().min(1).max(5_000_000),
  format: z.enum(KB_FORMATS),
  title: z.string().trim().min(1).max(500).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const crawlBody = z.object({
  url: z.url({ protocol: /^https?$/ }),
  sitemap: z.boolean().default(false),
  max_pages: z.number().int().min(1).max(200).default(50),
});

const searchQuery = z.object({
  q: z.string().trim().min(1).max(2000),
  limit: z.coerce.number().int().min(1).max(50).default(5),
});

export function knowledgeRoutes(app: FastifyInstance, db: Db): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/api/v1/kb/crawl',
    {
      schema: {
        tags: ['knowledge'],
        summary:
          'Ingest a website: the page and the same-site pages it links to, or the pages a sitemap lists (robots.txt respected; unchanged pages are not rewritten)',
        body: crawlBody,
      },
    },
    async (request) => {
      const result = await crawlSite(db, {
        tenantId: callerTenant(request),
        url: request.body.url,
        sitemap: request.body.sitemap,
        maxPages: request.body.max_pages,
      });
      return {
        pages: result.pages.map((page) => ({
          source: page.source,
          status: page.status,
          ...('chunks' in page ? { chunks: page.chunks } : { reason: page.reason }),
        })),
      };
    },
  );

  api.post(
    '/api/v1/kb/documents',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Add or replace a document (same source and content: nothing changes)',
        body: documentBody,
      },
    },
    async (request, reply) => {
      const result = await ingestDocument(db, { tenantId: callerTenant(request), ...request.body });
      reply.status(result.status === 'created' ? 201 : 200);
      return {
        id: result.documentId,
        source: result.source,
        title: result.title,
        status: result.status,
        chunks: result.chunks,
      };
    },
  );

  api.get(
    '/api/v1/kb/documents',
    { schema: { tags: ['knowledge'], summary: 'List documents' } },
    async (request) => ({
      documents: (await listDocuments(db, callerTenant(request))).map((d) => ({
        id: d.id,
        source: d.source,
        title: d.title,
        format: d.format,
        chunks: d.chunks,
        updated_at: d.updatedAt.toISOString(),
      })),
    }),
  );

  api.delete(
    '/api/v1/kb/documents/:id',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Delete a document and its passages',
        params: z.object({ id: z.uuid() }),
      },
    },
    async (request, reply) => {
      await deleteDocument(db, callerTenant(request), request.params.id);
      return reply.status(204).send();
    },
  );

  api.get(
    '/api/v1/kb/search',
    {
      schema: {
        tags: ['knowledge'],
        summary: 'Passages for a question, best first, with scores and sources',
        querystring: searchQuery,
      },
    },
    async (request) => {
      const passages = await searchKnowledge(db, {
        tenantId: callerTenant(request),
        query: request.query.q,
        limit: request.query.limit,
      });
      return {
        passages: passages.map((p) => ({
          score: Number(p.score.toFixed(4)),
          text: p.content,
          heading: p.heading,
          source: { document_id: p.documentId, source: p.source, title: p.title },
          citation: citationOf(p),
        })),
      };
    },
  );
}
