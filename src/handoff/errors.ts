export type HandoffErrorCode = 'not_found' | 'conflict';

/** A handoff failure phrased for the caller (the HTTP edge maps the code to a status). */
export class HandoffError extends Error {
  readonly code: HandoffErrorCode;
  constructor(code: HandoffErrorCode, message: string) {
    super(message);
    this.name = 'HandoffError';
    this.code = code;
  }
}
