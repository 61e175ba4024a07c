/**
 * Hybrid retrieval: up to three rankers over a tenant's passages, fused by reciprocal rank.
 * - `word`: BM25 over word stems, computed in SQL so it runs the same on PGlite and PostgreSQL.
 *   Query and passages are folded (no accents, lower case) and stemmed by both the Portuguese and
 *   English configurations; candidates are the passages sharing any stem (GIN index); each stem
 *   weighs by its rarity in the tenant's knowledge base and its frequency in the passage,
 *   normalised by the passage's length.
 * - `chars`: BM25 over character 3–5-grams (ngram-index.ts), for typos and vocabulary gaps.
 * - `vector`: cosine similarity of embeddings (embeddings.ts), when a model is configured.
 * Reciprocal-rank fusion needs no calibration between scores of different kinds: each ranker
 * only says in which order it would put the passages (see `omni kb bench` for the figures).
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../storage/index.ts';
import { type Embedder, embedderOf, searchVectors } from './embeddings.ts';
import { knownWords, searchCharGrams } from './ngram-index.ts';
import { type SearchQuery, searchQuery } from './query.ts';

/** BM25's usual constants: term-frequency saturation and length normalisation. */
const K1 = 1.2;
const B = 0.75;
/** How deep each ranker's list is read before fusion. */
const RANKER_DEPTH = 50;
/** Reciprocal-rank fusion's constant, as Cormack et al. (60): the fusion barely moved with it. */
const RRF_K = 60;
/**
 * Each ranker's weight in the fusion. Character n-grams rank better than word stems on FaQuAD
 * (tuning set; the pt-BR FAQ set is held out) and on paraphrases, so their vote counts 1.5×; the
 * vector ranker gets an equal vote, as no real model was at hand to tune it.
 */
const WEIGHTS: Record<Ranker, number> = { word: 1, chars: 1.5, vector: 1 };
/**
 * How much a related term (related-terms.ts) counts against a word of the question itself: enough
 * to bridge a vocabulary gap, too little to outvote what the customer actually wrote.
 */
export const RELATED_WEIGHT = 0.4;

export const RANKERS = ['word', 'chars', 'vector'] as const;
export type Ranker = (typeof RANKERS)[number];

/** Where one ranker put a passage: 1-based rank and the ranker's own score. */
export interface RankerHit {
  rank: number;
  score: number;
}

export interface Passage {
  chunkId: string;
  documentId: string;
  source: string;
  title: string;
  heading: string | null;
  content: string;
  /** The fused reciprocal-rank score (with one ranker: that ranker's own score). */
  score: number;
  /** Each ranker's verdict on this passage; a ranker that did not find it is absent. */
  rankers: Partial<Record<Ranker, RankerHit>>;
}

export interface SearchInput {
  tenantId: string;
  query: string;
  limit?: number;
  /** Adds the vector ranker; default: the embedder attached to `db`, if any. */
  embedder?: Embedder;
  /** Only these rankers (benchmarks per ranker); default: every one available. */
  only?: Ranker[];
}

/** One ranker's list, best first. */
export type Ranking = Array<{ chunkId: string; score: number }>;

export interface FusedHit {
  chunkId: string;
  score: number;
  rankers: Partial<Record<Ranker, RankerHit>>;
  /** Ties of the fused score are broken by the rankers' scores relative to their best hit. */
  relative: number;
}

/** Each available ranker's list and their fusion, as passage ids (benchmarks read all of them). */
export async function rankPassages(
  db: Db,
  input: SearchInput,
): Promise<{ rankings: Partial<Record<Ranker, Ranking>>; fused: FusedHit[] }> {
  const query = searchQuery(input.query, await knownWords(db, input.tenantId));
  if (query.words.length === 0) return { rankings: {}, fused: [] };
  const wanted = (ranker: Ranker) => !input.only || input.only.includes(ranker);
  const rankings: Partial<Record<Ranker, Ranking>> = {};
  if (wanted('word')) rankings.word = await rankWords(db, input.tenantId, query);
  if (wanted('chars')) {
    rankings.chars = await searchCharGrams(
      db,
      input.tenantId,
      { ...query, relatedWeight: RELATED_WEIGHT },
      RANKER_DEPTH,
    );
  }
  const embedder = input.embedder ?? embedderOf(db);
  if (wanted('vector') && embedder) {
    rankings.vector = await searchVectors(db, embedder, input.tenantId, input.query, RANKER_DEPTH);
  }
  const lists = Object.entries(rankings) as Array<[Ranker, Ranking]>;
  const fused = new Map<string, FusedHit>();
  for (const [ranker, list] of lists) {
    const best = list[0]?.score || 1;
    list.forEach((hit, index) => {
      const entry = fused.get(hit.chunkId) ?? {
        chunkId: hit.chunkId,
        score: 0,
        rankers: {},
        relative: 0,
      };
      entry.rankers[ranker] = { rank: index + 1, score: hit.score };
      entry.score += lists.length === 1 ? hit.score : WEIGHTS[ranker] / (RRF_K + index + 1);
      entry.relative += WEIGHTS[ranker] * (hit.score / best);
      fused.set(hit.chunkId, entry);
    });
  }
  return {
    rankings,
    fused: [...fused.values()].sort((a, b) => b.score - a.score || b.relative - a.relative),
  };
}

export async function searchKnowledge(db: Db, input: SearchInput): Promise<Passage[]> {
  const limit = Math.min(Math.max(input.limit ?? 5, 1), 50);
  return passagesOf(db, input.tenantId, (await rankPassages(db, input)).fused.slice(0, limit));
}

/** The passages of fused hits, in their order. */
export async function passagesOf(db: Db, tenantId: string, order: FusedHit[]): Promise<Passage[]> {
  if (order.length === 0) return [];
  const rows = await queryRows<{
    chunk_id: string;
    document_id: string;
    source: string;
    title: string;
    heading: string | null;
    content: string;
  }>(
    db,
    sql`select c.id as chunk_id, c.document_id, d.source, d.title, c.heading, c.content
          from kb_chunks c join kb_documents d on d.id = c.document_id
         where c.tenant_id = ${tenantId}
           and c.id in (${sql.join(
             order.map((hit) => sql`${hit.chunkId}::uuid`),
             sql`, `,
           )})`,
  );
  const byId = new Map(rows.map((row) => [row.chunk_id, row]));
  return order.flatMap((entry) => {
    const row = byId.get(entry.chunkId);
    if (!row) return []; // deleted between the ranking and this read
    return [
      {
        chunkId: row.chunk_id,
        documentId: row.document_id,
        source: row.source,
        title: row.title,
        heading: row.heading,
        content: row.content,
        score: entry.score,
        rankers: entry.rankers,
      },
    ];
  });
}

/** Word-stem BM25 in SQL, best first; a related term's stem weighs `RELATED_WEIGHT`. */
async function rankWords(db: Db, tenantId: string, query: SearchQuery): Promise<Ranking> {
  const words = query.words.join(' ');
  const related = query.related.join(' ');
  const rows = await queryRows<{ id: string; score: number }>(
    db,
    sql`
    with asked as (
      select to_tsvector('portuguese', ${words}::text) || to_tsvector('english', ${words}::text) as v
    ),
    suggested as (
      select to_tsvector('portuguese', ${related}::text) || to_tsvector('english', ${related}::text) as v
    ),
    terms as (
      select term, max(weight) as weight from (
        select unnest(tsvector_to_array(v)) as term, 1::float8 as weight from asked
        union all
        select unnest(tsvector_to_array(v)), ${RELATED_WEIGHT}::float8 from suggested
      ) t group by term
    ),
    corpus as (
      select count(*)::float8 as n, greatest(avg(token_count), 1)::float8 as avgdl
        from kb_chunks where tenant_id = ${tenantId}
    ),
    candidates as (
      select c.id, c.tsv, c.token_count::float8 as dl from kb_chunks c
       where c.tenant_id = ${tenantId}
         and exists (select 1 from terms)
         and c.tsv @@ (select string_agg(quote_literal(term), ' | ') from terms)::tsquery
    ),
    postings as (
      select cand.id, p.lexeme as term, coalesce(array_length(p.positions, 1), 1)::float8 as tf,
             cand.dl
        from candidates cand, unnest(cand.tsv) p
       where p.lexeme in (select term from terms)
    ),
    frequency as (select term, count(*)::float8 as df from postings group by term),
    scored as (
      select p.id, sum(
               t.weight * ln(1 + (corpus.n - f.df + 0.5) / (f.df + 0.5))
               * p.tf * (${K1}::float8 + 1)
               / (p.tf + ${K1}::float8 * (1 - ${B}::float8 + ${B}::float8 * p.dl / corpus.avgdl))
             ) as score
        from postings p join frequency f using (term) join terms t using (term), corpus
       group by p.id
    )
    select s.id, s.score
      from scored s join kb_chunks c on c.id = s.id join kb_documents d on d.id = c.document_id
     order by s.score desc, d.source, c.position
     limit ${RANKER_DEPTH}`,
  );
  return rows.map((row) => ({ chunkId: row.id, score: Number(row.score) }));
}
