export type EgressErrorCode = 'egress_refused';

export type EgressLanguage = 'pt-BR' | 'en';

/** Why an address is refused, in both languages the API answers in. */
export interface RefusalReason {
  en: string;
  pt: string;
  /** An address range EGRESS_ALLOW could open (a scheme never is). */
  allowable?: boolean;
}

/**
 * An outbound address Omni will not reach: a scheme other than http/https, or an address in a
 * loopback, private, link-local, CGNAT, multicast, unspecified or metadata range that EGRESS_ALLOW
 * does not list. Never retryable: the same address is refused the same way next time.
 */
export class EgressError extends Error {
  readonly code: EgressErrorCode = 'egress_refused';
  readonly retryable = false;
  /** The address as written (the URL or host), for the operator's log. */
  readonly target: string;
  readonly reason: RefusalReason;
  /** Which setting named the address, when a tenant setting did. */
  readonly setting?: string;
  constructor(
    target: string,
    reason: RefusalReason,
    options: { setting?: string; cause?: unknown } = {},
  ) {
    super(
      `${options.setting ? `${options.setting}: ` : ''}${target} is not reachable from Omni (${reason.en})${reason.allowable ? '; an operator can allow it with EGRESS_ALLOW' : ''}.`,
      { cause: options.cause },
    );
    this.name = 'EgressError';
    this.target = target;
    this.reason = reason;
    this.setting = options.setting;
  }

  /** The refusal in the caller's language (pt-BR by default), for API answers. */
  localized(language: EgressLanguage): string {
    if (language === 'en') return this.message;
    const where = this.setting ? `${this.setting}: ` : '';
    return `${where}o endereço ${this.target} não pode ser acessado pelo Omni (${this.reason.pt})${this.reason.allowable ? '; um operador pode liberá-lo com EGRESS_ALLOW' : ''}.`;
  }

  /** A copy that names the setting the address came from. */
  forSetting(setting: string): EgressError {
    return new EgressError(this.target, this.reason, { setting, cause: this.cause });
  }
}

/** The EgressError behind a failed fetch, which undici wraps as `TypeError: fetch failed`. */
export function egressErrorIn(error: unknown): EgressError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof EgressError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
