/**
 * Retrieval quality on a labelled set (FaQuAD's retrieval view: `corpus` of {doc_id, title, text},
 * `queries` of {question, relevant_doc_ids}): every paragraph ingested as a document, every
 * question asked, recall@1, recall@5 and MRR over the documents of the passages found.
 */
import type { Db } from '../storage/index.ts';
import { ingestDocument } from './ingest.ts';
import { searchKnowledge } from './search.ts';

export interface RetrievalSet {
  corpus: Array<{ doc_id: string; title: string; text: string }>;
  queries: Array<{ question: string; relevant_doc_ids: string[] }>;
}

export interface RetrievalScores {
  documents: number;
  questions: number;
  recallAt1: number;
  recallAt5: number;
  mrr: number;
  /** Mean search time per question, milliseconds. */
  meanQueryMs: number;
}

/** How deep the ranking is read for MRR; a document found lower counts as not found. */
const RANK_DEPTH = 10;

export async function benchRetrieval(
  db: Db,
  tenantId: string,
  set: RetrievalSet,
  options: { questions?: number; onProgress?: (done: number, total: number) => void } = {},
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
  const queries = set.queries.slice(0, options.questions ?? set.queries.length);
  let hits1 = 0;
  let hits5 = 0;
  let reciprocal = 0;
  let elapsed = 0;
  for (const [index, query] of queries.entries()) {
    const started = performance.now();
    const passages = await searchKnowledge(db, {
      tenantId,
      query: query.question,
      limit: RANK_DEPTH * 2,
    });
    elapsed += performance.now() - started;
    // A long paragraph may be several passages: a document ranks where its best passage does.
    const ranking = [...new Set(passages.map((p) => p.source))].slice(0, RANK_DEPTH);
    const rank = ranking.findIndex((source) => query.relevant_doc_ids.includes(source));
    if (rank === 0) hits1 += 1;
    if (rank >= 0 && rank < 5) hits5 += 1;
    if (rank >= 0) reciprocal += 1 / (rank + 1);
    options.onProgress?.(index + 1, queries.length);
  }
  const n = Math.max(queries.length, 1);
  return {
    documents: set.corpus.length,
    questions: queries.length,
    recallAt1: hits1 / n,
    recallAt5: hits5 / n,
    mrr: reciprocal / n,
    meanQueryMs: elapsed / n,
  };
}
