import { DomainError } from '../errors/index.ts';

/** Knowledge-base errors with stable codes; `src/http/errors.ts` maps them to statuses. */
export type KnowledgeErrorCode =
  | 'unsupported_format'
  | 'empty_document'
  | 'not_found'
  /** EMBEDDING_MODEL is malformed or its provider cannot be reached. */
  | 'embedding_unavailable'
  /** A URL to ingest could not be fetched (network, status, robots.txt, another site). */
  | 'fetch_failed';

/** Worth trying again later: the cause is outside Omni and may pass. */
const RETRYABLE: ReadonlySet<KnowledgeErrorCode> = new Set(['fetch_failed']);

export class KnowledgeError extends DomainError<KnowledgeErrorCode> {
  constructor(code: KnowledgeErrorCode, message: string) {
    super(code, message, { retryable: RETRYABLE.has(code) });
  }
}
