/**
 * Retrieval quality on a labelled set (FaQuAD's retrieval view: `corpus` of {doc_id, title, text},
 * `queries` of {question, relevant_doc_ids}): every paragraph ingested as a document, every
 * question asked once, and recall@1, recall@5 and MRR over the documents of the passages found —
 * for each ranker alone and for their fusion, from the same rankings.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../storage/index.ts';
import { type Embedder, embedMissing } from './embeddings.ts';
import { ingestDocument } from './ingest.ts';
import { type Ranker, rankPassages } from './search.ts';

export interface RetrievalSet {
  corpus: Array<{ doc_id: string; title: string; text: string }>;
  queries: Array<{ question: string; relevant_doc_ids: string[] }>;
}

export interface RankingScores {
  recallAt1: number;
  recallAt5: number;
  mrr: number;
}

export interface RetrievalScores extends RankingScores {
  documents: number;
  questions: number;
  /** Each ranker alone (the fusion's figures are the top-level ones). */
  rankers: Partial<Record<Ranker, RankingScores>>;
  /** Mean search time per question (all rankers and the fusion), milliseconds. */
  meanQueryMs: number;
}

/** How deep the ranking is read for MRR; a document found lower counts as not found. */
const RANK_DEPTH = 10;

class Tally {
  private hits1 = 0;
  private hits5 = 0;
  private reciprocal = 0;
  private n = 0;
  add(ranking: string[], relevant: string[]): void {
    // A long paragraph may be several passages: a document ranks where its best passage does.
    const documents = [...new Set(ranking)].slice(0, RANK_DEPTH);
    const rank = documents.findIndex((source) => relevant.includes(source));
    this.n += 1;
    if (rank === 0) this.hits1 += 1;
    if (rank >= 0 && rank < 5) this.hits5 += 1;
    if (rank >= 0) this.reciprocal += 1 / (rank + 1);
  }
  scores(): RankingScores {
    const n = Math.max(this.n, 1);
    return { recallAt1: this.hits1 / n, recallAt5: this.hits5 / n, mrr: this.reciprocal / n };
  }
}

export async function benchRetrieval(
  db: Db,
  tenantId: string,
  set: RetrievalSet,
  options: {
    questions?: number;
    embedder?: Embedder;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<RetrievalScores> {
  for (const document of set.corpus) {
    await ingestDocument(db, {
      tenantId,
      source: document.doc_id,
      title: document.title,
      content: document.text,
      format: 'text',
    });
  }
  if (options.embedder) await embedMissing(db, options.embedder, tenantId);
  const sources = new Map(
    (
      await queryRows<{ id: string; source: string }>(
        db,
        sql`select c.id, d.source from kb_chunks c join kb_documents d on d.id = c.document_id
             where c.tenant_id = ${tenantId}`,
      )
    ).map((row) => [row.id, row.source]),
  );
  const sourcesOf = (ids: Array<{ chunkId: string }>) =>
    ids.map((hit) => sources.get(hit.chunkId) ?? '');

  const queries = set.queries.slice(0, options.questions ?? set.queries.length);
  const fusion = new Tally();
  const perRanker = new Map<Ranker, Tally>();
  let elapsed = 0;
  for (const [index, query] of queries.entries()) {
    const started = performance.now();
    const { rankings, fused } = await rankPassages(db, {
      tenantId,
      query: query.question,
      embedder: options.embedder,
    });
    elapsed += performance.now() - started;
    fusion.add(sourcesOf(fused), query.relevant_doc_ids);
    for (const [ranker, ranking] of Object.entries(rankings) as Array<[Ranker, typeof fused]>) {
      const tally = perRanker.get(ranker) ?? new Tally();
      tally.add(sourcesOf(ranking), query.relevant_doc_ids);
      perRanker.set(ranker, tally);
    }
    options.onProgress?.(index + 1, queries.length);
  }
  return {
    documents: set.corpus.length,
    questions: queries.length,
    ...fusion.scores(),
    rankers: Object.fromEntries([...perRanker].map(([ranker, tally]) => [ranker, tally.scores()])),
    meanQueryMs: elapsed / Math.max(queries.length, 1),
  };
}
