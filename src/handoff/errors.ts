import { DomainError } from '../errors/index.ts';

export type HandoffErrorCode = 'not_found' | 'conflict';

/** A handoff failure phrased for the caller (the HTTP edge maps the code to a status). */
export class HandoffError extends DomainError<HandoffErrorCode> {}
