/**
 * The knowledge base (SPEC §7.5): documents per tenant (Markdown, text, JSON FAQ, HTML, PDF, web
 * pages) cut on their structure into passages, found by hybrid retrieval — word BM25, character
 * n-gram BM25 and, with an embedding model, vector search, fused by reciprocal rank — on PGlite and
 * PostgreSQL alike; answers cite their sources.
 */
export {
  benchRetrieval,
  type RankingScores,
  type RetrievalScores,
  type RetrievalSet,
} from './bench.ts';
export { chunkSections, MAX_CHUNK_CHARS } from './chunk.ts';
export { type CrawlInput, type CrawlResult, crawlSite } from './crawl.ts';
export {
  attachEmbedder,
  createEmbedder,
  type Embedder,
  embedderOf,
  embedMissing,
  reindexEmbeddings,
  type VectorEngine,
  vectorEngine,
} from './embeddings.ts';
export { KnowledgeError, type KnowledgeErrorCode } from './errors.ts';
export {
  evalFaqSet,
  type FaqEvalResult,
  type FaqQuestion,
  type FaqResponder,
  type FaqSet,
  loadFaqSet,
} from './faq-eval.ts';
export {
  deleteDocument,
  type IngestInput,
  type IngestResult,
  ingestDocument,
  type KbDocumentSummary,
  listDocuments,
} from './ingest.ts';
export {
  bestSentences,
  citationOf,
  judgeConfidence,
  type KnowledgeFinding,
  knowledgeLookup,
  MIN_COVERAGE,
  MIN_RELATIVE_GAPS,
  type RetrievalConfidence,
} from './lookup.ts';
export { formatOfPath, KB_FORMATS, type KbFormat, parseDocument } from './parse.ts';
export { pdfToText } from './pdf.ts';
export { type SearchQuery, searchQuery, stripCourtesy } from './query.ts';
export {
  type FusedHit,
  type Passage,
  passagesOf,
  RANKERS,
  type Ranker,
  type RankerHit,
  type Ranking,
  rankPassages,
  type SearchInput,
  searchKnowledge,
} from './search.ts';
export { readSource, type SourceFile, sourceFiles } from './sources.ts';
export { foldForSearch } from './text.ts';
