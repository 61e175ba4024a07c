/**
 * The one shape of a domain's error: a stable code (what the edges map to an HTTP status, a retry
 * or a dead letter, each in one place), a retryable flag, and a message that is one sentence the
 * caller can show. Domains name their codes; the class name tells the domain in logs.
 */
export class DomainError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly retryable: boolean;
  constructor(code: Code, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
