/**
 * The vector ranker: passages embedded at ingest (in batches, through the AI SDK's `embedMany`),
 * stored per tenant, model and text hash — the same text is never embedded twice for a model, and
 * a model change is one `omni kb reindex` away — and ranked by cosine similarity to the question.
 *
 * Embeddings are stored as `real[]`, normalised to unit length, so the table needs no extension and
 * the schema is the same everywhere. Ranking uses pgvector where it is available
 * (`@electric-sql/pglite-pgvector` on PGlite, the `vector` extension on PostgreSQL); a PostgreSQL
 * server without it ranks by the same dot product in plain SQL, slower on large bases but equal.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { type EmbeddingModel, embedMany } from 'ai';
import { sql } from 'drizzle-orm';
import type { Config } from '../config/index.ts';
import { type Db, queryRows } from '../storage/index.ts';
import { KnowledgeError } from './errors.ts';

/** Texts per `embedMany` call at ingest: providers take up to a few thousand; this keeps requests small. */
const BATCH = 64;

export interface Embedder {
  /** As configured, e.g. `openai:text-embedding-3-small`: embeddings are kept per model. */
  model: string;
  embed(texts: string[]): Promise<number[][]>;
}

/** Which providers `EMBEDDING_MODEL` may name, and how their embedding model is built. */
const PROVIDERS: Record<string, (config: Config, modelId: string) => EmbeddingModel> = {
  openai: (config, modelId) =>
    createOpenAI({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL }).embedding(
      modelId,
    ),
  openai_compatible: (config, modelId) => {
    if (!config.OPENAI_COMPATIBLE_BASE_URL) {
      throw new KnowledgeError(
        'embedding_unavailable',
        'EMBEDDING_MODEL names openai_compatible, but OPENAI_COMPATIBLE_BASE_URL is not set.',
      );
    }
    return createOpenAICompatible({
      name: 'openai_compatible',
      apiKey: config.OPENAI_COMPATIBLE_API_KEY,
      baseURL: config.OPENAI_COMPATIBLE_BASE_URL,
    }).embeddingModel(modelId);
  },
};

/** The configured embedder, or undefined when `EMBEDDING_MODEL` is not set (two rankers only). */
export function createEmbedder(config: Config): Embedder | undefined {
  const configured = config.EMBEDDING_MODEL;
  if (!configured) return undefined;
  const separator = configured.indexOf(':');
  const provider = configured.slice(0, separator);
  const modelId = configured.slice(separator + 1);
  const build = PROVIDERS[provider];
  if (separator <= 0 || !modelId || !build) {
    throw new KnowledgeError(
      'embedding_unavailable',
      `EMBEDDING_MODEL must be <provider>:<model> with provider ${Object.keys(PROVIDERS).join(' or ')} (got "${configured}").`,
    );
  }
  const model = build(config, modelId);
  return {
    model: configured,
    embed: async (texts) => (await embedMany({ model, values: texts, maxRetries: 2 })).embeddings,
  };
}

/**
 * The embedder travels with the database handle rather than through every caller (agent tools, the
 * HTTP API, the CLI, the offline responder): the runtime attaches it once when it opens the
 * database, and every search and ingest on that handle uses it.
 */
const attached = new WeakMap<Db, Embedder>();

export function attachEmbedder(db: Db, embedder: Embedder): void {
  attached.set(db, embedder);
}

export function embedderOf(db: Db): Embedder | undefined {
  return attached.get(db);
}

function unit(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0)) || 1;
  return vector.map((x) => x / norm);
}

/**
 * Embeds the tenant's passages that have no embedding for the model yet; returns how many texts
 * were sent to the provider (0 when everything was already there).
 */
export async function embedMissing(db: Db, embedder: Embedder, tenantId: string): Promise<number> {
  const missing = await queryRows<{ hash: string; text: string }>(
    db,
    sql`select distinct md5(c.search_text) as hash, c.search_text as text
          from kb_chunks c
         where c.tenant_id = ${tenantId}
           and not exists (select 1 from kb_embeddings e
                            where e.tenant_id = c.tenant_id and e.model = ${embedder.model}
                              and e.text_hash = md5(c.search_text))`,
  );
  for (let start = 0; start < missing.length; start += BATCH) {
    const batch = missing.slice(start, start + BATCH);
    const vectors = await embedder.embed(batch.map((row) => row.text));
    await db.execute(sql`
      insert into kb_embeddings (tenant_id, model, text_hash, embedding)
      values ${sql.join(
        batch.map(
          (row, index) =>
            sql`(${tenantId}, ${embedder.model}, ${row.hash}, ${realArray(unit(vectors[index] ?? []))}::real[])`,
        ),
        sql`, `,
      )}
      on conflict do nothing`);
  }
  return missing.length;
}

/**
 * After a model change or deletions: drops the embeddings of other models and of texts no passage
 * has any more, then embeds what is missing for the current model.
 */
export async function reindexEmbeddings(
  db: Db,
  embedder: Embedder,
  tenantId: string,
): Promise<{ embedded: number; dropped: number }> {
  const dropped = await queryRows<{ n: number }>(
    db,
    sql`with gone as (
          delete from kb_embeddings e
           where e.tenant_id = ${tenantId}
             and (e.model <> ${embedder.model}
                  or not exists (select 1 from kb_chunks c
                                  where c.tenant_id = e.tenant_id and md5(c.search_text) = e.text_hash))
          returning 1)
        select count(*)::int as n from gone`,
  );
  return { embedded: await embedMissing(db, embedder, tenantId), dropped: dropped[0]?.n ?? 0 };
}

function realArray(vector: number[]): string {
  return `{${vector.join(',')}}`;
}

export type VectorEngine = 'pgvector' | 'sql';
const engines = new WeakMap<Db, Promise<VectorEngine>>();

/** pgvector when the extension can be created (once per database handle), else plain SQL. */
export function vectorEngine(db: Db): Promise<VectorEngine> {
  let engine = engines.get(db);
  if (!engine) {
    engine = db
      .execute(sql`create extension if not exists vector`)
      .then((): VectorEngine => 'pgvector')
      .catch((): VectorEngine => 'sql');
    engines.set(db, engine);
  }
  return engine;
}

/** The tenant's passages by cosine similarity to the question, best first. */
export async function searchVectors(
  db: Db,
  embedder: Embedder,
  tenantId: string,
  query: string,
  limit: number,
): Promise<Array<{ chunkId: string; score: number }>> {
  const [raw] = await embedder.embed([query]);
  const vector = realArray(unit(raw ?? []));
  const similarity =
    (await vectorEngine(db)) === 'pgvector'
      ? sql`1 - (e.embedding::vector <=> ${vector}::real[]::vector)`
      : sql`(select sum(a * b) from unnest(e.embedding, ${vector}::real[]) as t(a, b))`;
  const rows = await queryRows<{ id: string; score: number }>(
    db,
    sql`select c.id, ${similarity} as score
          from kb_chunks c
          join kb_embeddings e on e.tenant_id = c.tenant_id and e.model = ${embedder.model}
                              and e.text_hash = md5(c.search_text)
         where c.tenant_id = ${tenantId}
         order by score desc, c.id
         limit ${limit}`,
  );
  return rows.map((row) => ({ chunkId: row.id, score: Number(row.score) }));
}
