/**
 * Outermost layer: the offline responder has the last word. It answers alone in fallback mode
 * (`omni fallback on`, FALLBACK_MODE, a tenant's choice) and when no slot answered — with the
 * human offer when models were meant to answer — and finishes a stream that broke after its
 * first text. Its answer is an ordinary model answer from provider `local`.
 */
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3Middleware,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { Logger } from '../../observability/index.ts';
import type { Db } from '../../storage/index.ts';
import { fallbackSwitch } from '../../tenancy/index.ts';
import { callOptionsOf, type GatewayMetadata, withMetadata } from '../call-options.ts';
import type { GatewayMetrics } from '../metrics.ts';
import { answerOffline, type KnowledgeLookup } from '../offline-responder.ts';
import type { GatewaySettings } from '../settings.ts';
import type { TenantPolicies } from '../slots.ts';
import type { Attempt, FallbackReason } from '../types.ts';
import { CascadeExhausted } from './signals.ts';

export interface OfflineFallbackDeps {
  db: Db;
  logger: Logger;
  metrics: GatewayMetrics;
  settings: GatewaySettings;
  tenants: TenantPolicies;
  knowledge?: KnowledgeLookup;
}

const NO_USAGE: LanguageModelV3Usage = {
  inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 0, text: 0, reasoning: 0 },
};

export function offlineFallback(deps: OfflineFallbackDeps): LanguageModelV3Middleware {
  async function answer(
    params: LanguageModelV3CallOptions,
    reason: FallbackReason,
    attempts: Attempt[],
  ): Promise<{ text: string; metadata: Partial<GatewayMetadata> }> {
    const call = callOptionsOf(params);
    const tenant = await deps.tenants.policyOf(call.tenantId);
    deps.metrics.fallbacks.inc({ reason });
    if (reason !== 'no_provider' && reason !== 'fallback_mode') {
      deps.logger.warn(
        {
          reason,
          tenant: tenant?.slug,
          conversation: call.conversationId,
          attempts: attempts.map((a) => `${a.provider}:${a.outcome}:${a.errorKind ?? '-'}`),
        },
        'no LLM provider answered; the canned response answers and offers a human',
      );
    }
    const offline = await answerOffline({
      text: lastUserText(params.prompt),
      language: call.language ?? tenant?.language ?? 'pt-BR',
      tenantId: call.tenantId,
      canned: tenant?.canned,
      offerHuman: reason !== 'no_provider',
      knowledge: deps.knowledge,
    });
    return {
      text: offline.text,
      metadata: {
        provider: 'local',
        model: 'offline',
        costUsd: 0,
        attempts,
        fallback: reason,
        intent: offline.intent,
        fallbackText: offline.text,
      },
    };
  }

  /** `omni fallback on` wins over everything; `off` replaces FALLBACK_MODE, not a tenant's choice. */
  async function fallbackMode(params: LanguageModelV3CallOptions): Promise<boolean> {
    const tenant = await deps.tenants.policyOf(callOptionsOf(params).tenantId);
    const switched = await fallbackSwitch(deps.db);
    return switched === true || (tenant?.fallbackMode ?? switched ?? deps.settings.fallbackMode);
  }

  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate, params }) => {
      let offline: Awaited<ReturnType<typeof answer>>;
      if (await fallbackMode(params)) {
        offline = await answer(params, 'fallback_mode', []);
      } else {
        try {
          return await doGenerate();
        } catch (error) {
          if (!(error instanceof CascadeExhausted)) throw error;
          offline = await answer(params, error.reason, error.attempts);
        }
      }
      return {
        content: [{ type: 'text', text: offline.text }],
        finishReason: { unified: 'stop', raw: undefined },
        usage: NO_USAGE,
        warnings: [],
        providerMetadata: withMetadata(undefined, offline.metadata),
      } satisfies LanguageModelV3GenerateResult;
    },
    wrapStream: async ({ doStream, params }) => {
      if (await fallbackMode(params)) {
        return { stream: textStream(await answer(params, 'fallback_mode', [])) };
      }
      let result: Awaited<ReturnType<typeof doStream>>;
      try {
        result = await doStream();
      } catch (error) {
        if (!(error instanceof CascadeExhausted)) throw error;
        return { stream: textStream(await answer(params, error.reason, error.attempts)) };
      }
      const finishInterrupted = new TransformStream<
        LanguageModelV3StreamPart,
        LanguageModelV3StreamPart
      >({
        async transform(part, controller) {
          if (part.type !== 'error' || !(part.error instanceof CascadeExhausted)) {
            controller.enqueue(part);
            return;
          }
          const offline = await answer(params, part.error.reason, part.error.attempts);
          for (const next of textParts(offline, 'offline-after-interruption'))
            controller.enqueue(next);
        },
      });
      return { ...result, stream: result.stream.pipeThrough(finishInterrupted) };
    },
  };
}

function textParts(
  offline: { text: string; metadata: Partial<GatewayMetadata> },
  id: string,
): LanguageModelV3StreamPart[] {
  return [
    { type: 'text-start', id },
    { type: 'text-delta', id, delta: offline.text },
    { type: 'text-end', id },
    {
      type: 'finish',
      finishReason: { unified: 'stop', raw: undefined },
      usage: NO_USAGE,
      providerMetadata: withMetadata(undefined, offline.metadata),
    },
  ];
}

function textStream(offline: {
  text: string;
  metadata: Partial<GatewayMetadata>;
}): ReadableStream<LanguageModelV3StreamPart> {
  const parts: LanguageModelV3StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    ...textParts(offline, 'offline'),
  ];
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}

/** The newest user text, which is what canned responses classify. */
function lastUserText(prompt: LanguageModelV3Prompt): string {
  for (let i = prompt.length - 1; i >= 0; i -= 1) {
    const message = prompt[i];
    if (message?.role !== 'user') continue;
    return message.content
      .map((part) => (part.type === 'text' ? part.text : ''))
      .join(' ')
      .trim();
  }
  return '';
}
