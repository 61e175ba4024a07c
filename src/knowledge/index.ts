/**
 * The knowledge base (SPEC §7.5): documents per tenant (Markdown, text, JSON FAQ, HTML) cut on
 * their structure into passages, found by full-text search (Portuguese and English stemmers,
 * accent-insensitive, BM25) on PGlite and PostgreSQL alike; answers cite their sources.
 */
export { benchRetrieval, type RetrievalScores, type RetrievalSet } from './bench.ts';
export { chunkSections, MAX_CHUNK_CHARS } from './chunk.ts';
export { KnowledgeError, type KnowledgeErrorCode } from './errors.ts';
export {
  deleteDocument,
  type IngestInput,
  type IngestResult,
  ingestDocument,
  type KbDocumentSummary,
  listDocuments,
} from './ingest.ts';
export { citationOf, knowledgeLookup, MIN_ANSWER_SCORE } from './lookup.ts';
export { formatOfPath, KB_FORMATS, type KbFormat, parseDocument } from './parse.ts';
export { type Passage, type SearchInput, searchKnowledge } from './search.ts';
export { readSource, type SourceFile, sourceFiles } from './sources.ts';
export { foldForSearch } from './text.ts';
