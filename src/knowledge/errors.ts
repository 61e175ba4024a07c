/** Knowledge-base errors with stable codes; `src/http/errors.ts` maps them to statuses. */
export type KnowledgeErrorCode = 'unsupported_format' | 'empty_document' | 'not_found';

export class KnowledgeError extends Error {
  readonly code: KnowledgeErrorCode;
  constructor(code: KnowledgeErrorCode, message: string) {
    super(message);
    this.name = 'KnowledgeError';
    this.code = code;
  }
}
