/**
 * Price and cost: a slot whose estimated cost (prompt plus the whole output allowance) is over
 * the call's cap is skipped; an answer's reported usage × the price table is its `costUsd`.
 */
import type { LanguageModelV3Middleware } from '@ai-sdk/provider';
import { callOptionsOf, type SlotCallOptions } from '../call-options.ts';
import { costOf, estimateCost, type PriceBook } from '../prices.ts';
import type { Slot } from '../providers.ts';
import { toTokenUsage } from '../usage.ts';
import { layer } from './layer.ts';
import { SlotSkipped } from './signals.ts';

export function cost(slot: Slot, prices: PriceBook): LanguageModelV3Middleware {
  return layer(async (params) => {
    const { maxCost, promptChars = 0 } = callOptionsOf<SlotCallOptions>(params);
    if (maxCost !== undefined) {
      const price = await prices.of(slot.provider, slot.model);
      const estimate = price ? estimateCost(price, promptChars, params.maxOutputTokens ?? 0) : 0;
      if (estimate > maxCost) {
        throw new SlotSkipped(
          'over_cost',
          `estimated $${estimate.toFixed(6)} exceeds the cap of $${maxCost}`,
        );
      }
    }
    return {
      succeeded: async (usage) => {
        const price = await prices.of(slot.provider, slot.model);
        return price ? { costUsd: costOf(price, toTokenUsage(usage)) } : undefined;
      },
    };
  });
}
