/**
 * How the layers tell the cascade what became of a slot. These never leave the gateway: a caller
 * sees a `ProviderError` (only `cancelled`) or an answer.
 */
import type { Attempt, FallbackReason, SkipReason } from '../types.ts';

/** A layer passed the slot over without a request (breaker open, over budget, no token…). */
export class SlotSkipped extends Error {
  readonly reason: SkipReason;
  constructor(reason: SkipReason, detail: string) {
    super(detail);
    this.name = 'SlotSkipped';
    this.reason = reason;
  }
}

/** One slot's attempt is over without an answer; `cause` is a ProviderError or a SlotSkipped. */
export class AttemptFailed extends Error {
  readonly attempt: Attempt;
  constructor(attempt: Attempt, cause: unknown) {
    super(attempt.error ?? 'attempt failed', { cause });
    this.name = 'AttemptFailed';
    this.attempt = attempt;
  }
}

/** No slot answered: the offline responder has the last word. */
export class CascadeExhausted extends Error {
  readonly reason: FallbackReason;
  readonly attempts: Attempt[];
  constructor(reason: FallbackReason, attempts: Attempt[]) {
    super(`no LLM provider answered (${reason})`);
    this.name = 'CascadeExhausted';
    this.reason = reason;
    this.attempts = attempts;
  }
}
