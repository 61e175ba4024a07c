/** Token usage as the gateway counts it, from the AI SDK's two shapes of it. */
import type { LanguageModelV3Usage } from '@ai-sdk/provider';
import type { LanguageModelUsage } from 'ai';
import type { TokenUsage } from './types.ts';

export const ZERO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };

/** A model's own report (middleware sees this one). */
export function toTokenUsage(usage: LanguageModelV3Usage | undefined): TokenUsage {
  return {
    inputTokens: usage?.inputTokens.total ?? 0,
    outputTokens: usage?.outputTokens.total ?? 0,
    cachedInputTokens: usage?.inputTokens.cacheRead ?? 0,
  };
}

/** What `generateText` / `streamText` sum up for the caller. */
export function fromCallUsage(usage: LanguageModelUsage | undefined): TokenUsage {
  return {
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cachedInputTokens: usage?.inputTokenDetails?.cacheReadTokens ?? 0,
  };
}
