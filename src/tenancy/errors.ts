import { DomainError } from '../errors/index.ts';

export type TenancyErrorCode = 'not_found' | 'conflict' | 'invalid';

/** A tenancy failure the caller can show as it is: one sentence, with a stable code. */
export class TenancyError extends DomainError<TenancyErrorCode> {}
