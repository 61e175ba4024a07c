export type TenancyErrorCode = 'not_found' | 'conflict' | 'invalid';

/** A tenancy failure the caller can show as it is: one sentence, with a stable code. */
export class TenancyError extends Error {
  readonly code: TenancyErrorCode;
  constructor(code: TenancyErrorCode, message: string) {
    super(message);
    this.name = 'TenancyError';
    this.code = code;
  }
}
