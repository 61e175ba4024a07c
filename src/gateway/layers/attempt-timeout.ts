/**
 * Innermost layer: one attempt's own timeout (PROVIDER_TIMEOUT_MS, never past the cascade's
 * deadline), joined with the caller's signal; and what its failure means, as a `ProviderError`
 * kind — only here can a timeout by our timer be told from a cancel by the caller.
 */
import type { LanguageModelV3Middleware } from '@ai-sdk/provider';
import { awakeTimeout } from '../../retry/index.ts';
import { callOptionsOf, type SlotCallOptions } from '../call-options.ts';
import { toProviderError } from '../errors.ts';
import type { Slot } from '../providers.ts';
import { layer } from './layer.ts';

export function attemptTimeout(
  slot: Slot,
  attemptTimeoutMs: number,
  now: () => number,
): LanguageModelV3Middleware {
  return layer((params) => {
    const { deadline = Number.POSITIVE_INFINITY } = callOptionsOf<SlotCallOptions>(params);
    // Not `AbortSignal.timeout`: joined by `AbortSignal.any`, it can be garbage-collected before
    // it fires (nodejs/node#57736), and a provider that never answers would hold the turn.
    const timeout = awakeTimeout(Math.max(1, Math.min(attemptTimeoutMs, deadline - now())));
    const caller = params.abortSignal;
    return {
      params: {
        ...params,
        abortSignal: caller ? AbortSignal.any([caller, timeout.signal]) : timeout.signal,
      },
      failed: (error) =>
        toProviderError(error, slot.provider, {
          timedOut: timeout.signal.aborted,
          cancelled: Boolean(caller?.aborted),
        }),
      settled: () => timeout.clear(),
    };
  });
}
