/**
 * BM25 over character 3–5-grams: the ranker that bridges what word stems cannot — typos
 * ("cartao", "recem nascido"), inflections the stemmer misses, and word parts shared across a
 * vocabulary gap ("pediatra" ~ "pediatria", "estacionar" ~ "estacionamento").
 *
 * Kept in process, one index per tenant, rather than in SQL: a passage has thousands of distinct
 * n-grams, and scoring them in SQL means unnesting every candidate's postings on every question
 * (every passage is a candidate for common n-grams) — slow on PGlite and PostgreSQL alike — while
 * an in-memory inverted index answers in a millisecond and behaves identically on both backends.
 * The index is rebuilt when the tenant's passages change (their count or newest `created_at`),
 * which every process sees on its next question; a small LRU bounds the memory.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../storage/index.ts';
import type { SearchQuery } from './query.ts';
import { foldForSearch } from './text.ts';

const MIN_GRAM = 3;
const MAX_GRAM = 5;
/**
 * BM25's term-frequency saturation and length normalisation, tuned on FaQuAD (the pt-BR FAQ set is
 * held out): n-grams repeat more than words, so they saturate sooner (0.9 rather than 1.2) and long
 * passages, which contain most n-grams somewhere, are normalised harder (0.9 rather than 0.75).
 */
const K1 = 0.9;
const B = 0.9;
/** Tenants whose index is kept; a busy process serves more, at the cost of a rebuild. */
const CACHED_TENANTS = 32;

/** The character n-grams of a text, each word padded with a space so word starts and ends count. */
export function charGrams(text: string): Map<string, number> {
  const grams = new Map<string, number>();
  for (const word of foldForSearch(text).split(/[^\p{L}\p{N}]+/u)) {
    if (!word) continue;
    const padded = ` ${word} `;
    for (let n = MIN_GRAM; n <= MAX_GRAM; n += 1) {
      for (let start = 0; start + n <= padded.length; start += 1) {
        const gram = padded.slice(start, start + n);
        grams.set(gram, (grams.get(gram) ?? 0) + 1);
      }
    }
  }
  return grams;
}

interface GramIndex {
  ids: string[];
  lengths: Float64Array;
  averageLength: number;
  postings: Map<string, Array<[number, number]>>;
  /** Every word of the passages, and every prefix of five letters or more of each. */
  vocabulary: Set<string>;
}

/** A word the passages use, or one of its inflections (the same prefix but the last two letters). */
function knows(vocabulary: Set<string>, word: string): boolean {
  return (
    vocabulary.has(word) ||
    (word.length >= 5 && vocabulary.has(word.slice(0, Math.max(5, word.length - 2))))
  );
}

function buildIndex(rows: Array<{ id: string; search_text: string }>): GramIndex {
  const postings = new Map<string, Array<[number, number]>>();
  const lengths = new Float64Array(rows.length);
  const vocabulary = new Set<string>();
  let total = 0;
  rows.forEach((row, position) => {
    for (const word of row.search_text.split(/[^\p{L}\p{N}]+/u)) {
      vocabulary.add(word);
      for (let end = 5; end < word.length; end += 1) vocabulary.add(word.slice(0, end));
    }
    let length = 0;
    for (const [gram, tf] of charGrams(row.search_text)) {
      let list = postings.get(gram);
      if (!list) {
        list = [];
        postings.set(gram, list);
      }
      list.push([position, tf]);
      length += tf;
    }
    lengths[position] = length;
    total += length;
  });
  return {
    ids: rows.map((r) => r.id),
    lengths,
    averageLength: Math.max(total / Math.max(rows.length, 1), 1),
    postings,
    vocabulary,
  };
}

export interface RankedChunk {
  chunkId: string;
  score: number;
}

/** What the chars ranker looks for: the question's words, and related terms at a lower weight. */
export interface GramQuery extends SearchQuery {
  relatedWeight: number;
}

/**
 * Each n-gram's weight in the query: as often as it occurs in the question's words ("parcelar em
 * parcelas" leans on "parcel"), or, when only related terms have it, their lower weight.
 */
function queryGrams(query: GramQuery): Map<string, number> {
  const grams = charGrams(query.words.join(' '));
  for (const gram of charGrams(query.related.join(' ')).keys()) {
    if (!grams.has(gram)) grams.set(gram, query.relatedWeight);
  }
  return grams;
}

function rank(index: GramIndex, query: GramQuery, limit: number): RankedChunk[] {
  const n = index.ids.length;
  const scores = new Float64Array(n);
  for (const [gram, queryTf] of queryGrams(query)) {
    const list = index.postings.get(gram);
    if (!list) continue;
    const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
    for (const [position, tf] of list) {
      const norm = 1 - B + (B * (index.lengths[position] as number)) / index.averageLength;
      scores[position] =
        (scores[position] as number) + (queryTf * idf * tf * (K1 + 1)) / (tf + K1 * norm);
    }
  }
  const ranked: RankedChunk[] = [];
  scores.forEach((score, position) => {
    if (score > 0) ranked.push({ chunkId: index.ids[position] as string, score });
  });
  ranked.sort((a, b) => b.score - a.score);
  return ranked.slice(0, limit);
}

const cache = new Map<string, { version: string; index: GramIndex }>();

async function indexFor(db: Db, tenantId: string): Promise<GramIndex> {
  const [state] = await queryRows<{ n: number; newest: string | null }>(
    db,
    sql`select count(*)::int as n, max(created_at)::text as newest
          from kb_chunks where tenant_id = ${tenantId}`,
  );
  const version = `${state?.n ?? 0}@${state?.newest ?? ''}`;
  const cached = cache.get(tenantId);
  if (cached && cached.version === version) {
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
    cache.delete(tenantId);
    cache.set(tenantId, cached);
    return cached.index;
  }
  const rows = await queryRows<{ id: string; search_text: string }>(
    db,
    // Source order, so equal scores (the same text in two documents) rank as the word ranker's do.
    sql`select c.id, c.search_text from kb_chunks c join kb_documents d on d.id = c.document_id
         where c.tenant_id = ${tenantId} order by d.source, c.position`,
  );
  const index = buildIndex(rows);
  cache.delete(tenantId);
  cache.set(tenantId, { version, index });
  while (cache.size > CACHED_TENANTS) cache.delete(cache.keys().next().value as string);
  return index;
}

/** Whether the tenant's passages use a word (folded) or an inflection of it. */
export async function knownWords(db: Db, tenantId: string): Promise<(word: string) => boolean> {
  const { vocabulary } = await indexFor(db, tenantId);
  return (word) => knows(vocabulary, word);
}

/** The tenant's passages ranked by character n-gram BM25, best first. */
export async function searchCharGrams(
  db: Db,
  tenantId: string,
  query: GramQuery,
  limit: number,
): Promise<RankedChunk[]> {
  return rank(await indexFor(db, tenantId), query, limit);
}

/**
 * How much of the question a passage covers: the rarity-weighted share of the question's n-grams
 * that occur in it (n-grams no passage has weigh most). Relative to the question, not a score:
 * an off-topic question ("previsão do tempo em Curitiba") may still have a best passage and a clear
 * gap, but that passage covers little of it.
 */
export async function questionCoverage(
  db: Db,
  tenantId: string,
  query: string,
  chunkId: string,
): Promise<number> {
  const index = await indexFor(db, tenantId);
  const position = index.ids.indexOf(chunkId);
  const n = index.ids.length;
  let total = 0;
  let covered = 0;
  for (const gram of charGrams(query).keys()) {
    const list = index.postings.get(gram) ?? [];
    const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
    total += idf;
    if (list.some(([at]) => at === position)) covered += idf;
  }
  return total > 0 ? covered / total : 0;
}
