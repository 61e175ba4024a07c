/**
 * The slot's token bucket (RATE_LIMIT_RPS, RATE_LIMIT_BURST): an empty bucket sends the call to
 * the next provider; the last one waits for a token if it comes within the latency budget.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LanguageModelV3Middleware } from '@ai-sdk/provider';
import { callOptionsOf, type SlotCallOptions } from '../call-options.ts';
import type { Slot } from '../providers.ts';
import type { BucketSettings, TokenBuckets } from '../token-bucket.ts';
import { layer } from './layer.ts';
import { SlotSkipped } from './signals.ts';

export function tokenBucket(
  slot: Slot,
  buckets: TokenBuckets,
  settings: BucketSettings,
  now: () => number,
): LanguageModelV3Middleware {
  return layer(async (params) => {
    const { lastSlot, deadline = 0 } = callOptionsOf<SlotCallOptions>(params);
    let token = await buckets.take(slot.id);
    while (!token.ok && lastSlot && now() + token.waitMs < deadline) {
      await sleep(token.waitMs, undefined, { signal: params.abortSignal });
      token = await buckets.take(slot.id);
    }
    if (!token.ok) {
      throw new SlotSkipped(
        'rate_limited_locally',
        `RATE_LIMIT_RPS=${settings.ratePerSecond} reached`,
      );
    }
    return {};
  });
}
