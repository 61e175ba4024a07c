/**
 * Ingest one document for a tenant: parse on its structure, cut into passages, store them with
 * their search text — all in one transaction. The same source with the same content hash is a
 * no-op; changed content replaces the document's passages.
 */
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { type Db, schema } from '../storage/index.ts';
import { chunkSections } from './chunk.ts';
import { type Embedder, embedderOf, embedMissing } from './embeddings.ts';
import { KnowledgeError } from './errors.ts';
import { type KbFormat, parseDocument } from './parse.ts';
import { foldForSearch } from './text.ts';

export interface IngestInput {
  tenantId: string;
  /** A file path, URL or name; one document per source and tenant. */
  source: string;
  content: string;
  format: KbFormat;
  /** Default: the first top-level heading, else the source's file name. */
  title?: string;
  metadata?: Record<string, unknown>;
  /** Embeds the new passages; default: the embedder attached to `db`, if any. */
  embedder?: Embedder;
}

export interface IngestResult {
  documentId: string;
  source: string;
  title: string;
  status: 'created' | 'updated' | 'unchanged';
  chunks: number;
}

export async function ingestDocument(db: Db, input: IngestInput): Promise<IngestResult> {
  const contentHash = createHash('sha256').update(input.content).digest('hex');
  const [existing] = await db
    .select({
      id: schema.kbDocuments.id,
      title: schema.kbDocuments.title,
      contentHash: schema.kbDocuments.contentHash,
    })
    .from(schema.kbDocuments)
    .where(
      and(
        eq(schema.kbDocuments.tenantId, input.tenantId),
        eq(schema.kbDocuments.source, input.source),
      ),
    );
  if (existing && existing.contentHash === contentHash) {
    const embedder = input.embedder ?? embedderOf(db);
    if (embedder) await embedMissing(db, embedder, input.tenantId);
    const [count] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(schema.kbChunks)
      .where(eq(schema.kbChunks.documentId, existing.id));
    return {
      documentId: existing.id,
      source: input.source,
      title: existing.title,
      status: 'unchanged',
      chunks: count?.n ?? 0,
    };
  }

  const parsed = parseDocument(input.content, input.format);
  const chunks = chunkSections(parsed.sections);
  if (chunks.length === 0) {
    throw new KnowledgeError(
      'empty_document',
      `${input.source} has no text to index (an empty file, or a JSON FAQ without question/answer pairs).`,
    );
  }
  const title = input.title ?? parsed.title ?? fileNameOf(input.source);
  const documentId = await db.transaction(async (tx) => {
    const [document] = await tx
      .insert(schema.kbDocuments)
      .values({
        tenantId: input.tenantId,
        source: input.source,
        title,
        format: input.format,
        contentHash,
        metadata: input.metadata ?? {},
      })
      .onConflictDoUpdate({
        target: [schema.kbDocuments.tenantId, schema.kbDocuments.source],
        set: {
          title,
          format: input.format,
          contentHash,
          metadata: input.metadata ?? {},
          updatedAt: sql`now()`,
        },
      })
      .returning({ id: schema.kbDocuments.id });
    const id = (document as { id: string }).id;
    await tx.delete(schema.kbChunks).where(eq(schema.kbChunks.documentId, id));
    await tx.insert(schema.kbChunks).values(
      chunks.map((chunk, position) => ({
        tenantId: input.tenantId,
        documentId: id,
        position,
        heading: chunk.heading || null,
        content: chunk.content,
        searchText: foldForSearch(
          chunk.heading ? `${chunk.heading}\n${chunk.content}` : chunk.content,
        ),
      })),
    );
    // BM25 needs each passage's length in indexed tokens, which only the database's parser knows.
    await tx.execute(sql`
      update kb_chunks set token_count = coalesce(
        (select sum(coalesce(array_length(t.positions, 1), 1)) from unnest(tsv) t), 0)
      where document_id = ${id}`);
    return id;
  });
  // After the commit: a provider outage must not lose the passages, and the next ingest or
  // `omni kb reindex` embeds whatever is still missing.
  const embedder = input.embedder ?? embedderOf(db);
  if (embedder) await embedMissing(db, embedder, input.tenantId);
  return {
    documentId,
    source: input.source,
    title,
    status: existing ? 'updated' : 'created',
    chunks: chunks.length,
  };
}

export interface KbDocumentSummary {
  id: string;
  source: string;
  title: string;
  format: string;
  chunks: number;
  updatedAt: Date;
}

export async function listDocuments(db: Db, tenantId: string): Promise<KbDocumentSummary[]> {
  return db
    .select({
      id: schema.kbDocuments.id,
      source: schema.kbDocuments.source,
      title: schema.kbDocuments.title,
      format: schema.kbDocuments.format,
      // Qualified by hand: Drizzle renders `${schema.kbDocuments.id}` as a bare "id" in a
      // single-table select, which inside the subquery means kb_chunks' own id (always 0 rows).
      chunks: sql<number>`(select count(*)::int from kb_chunks c where c.document_id = kb_documents.id)`,
      updatedAt: schema.kbDocuments.updatedAt,
    })
    .from(schema.kbDocuments)
    .where(eq(schema.kbDocuments.tenantId, tenantId))
    .orderBy(schema.kbDocuments.source);
}

export async function deleteDocument(db: Db, tenantId: string, documentId: string): Promise<void> {
  const deleted = await db
    .delete(schema.kbDocuments)
    .where(and(eq(schema.kbDocuments.tenantId, tenantId), eq(schema.kbDocuments.id, documentId)))
    .returning({ id: schema.kbDocuments.id });
  if (deleted.length === 0) {
    throw new KnowledgeError('not_found', `No knowledge-base document ${documentId}.`);
  }
}

function fileNameOf(source: string): string {
  return source.split(/[\\/]/).pop() || source;
}
