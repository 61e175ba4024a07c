/**
 * The cascade (SPEC §5.3) as an AI SDK model: each call tries the slots the call may use, in
 * order, within one latency budget; each slot is its provider's model wrapped in the slot layers
 * (attempt record → health → breaker → cost → token bucket → timeout). A layer that skips or an
 * attempt that fails passes the call to the next slot; a caller's cancel stops it. When no slot
 * answers it throws `CascadeExhausted` for the offline layer around it. A stream can change
 * provider until its first text; an error after that is an interruption, also the offline
 * layer's to finish.
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import {
  callOptionsOf,
  type GatewayMetadata,
  type SlotCallOptions,
  withCallOptions,
  withMetadata,
} from './call-options.ts';
import { ProviderError } from './errors.ts';
import { AttemptFailed, CascadeExhausted } from './layers/signals.ts';
import type { Slot } from './providers.ts';
import type { GatewaySettings } from './settings.ts';
import { slotsFor, type TenantPolicies } from './slots.ts';
import type { Attempt } from './types.ts';

export interface CascadeDeps {
  settings: GatewaySettings;
  tenants: TenantPolicies;
  /** The slot's provider model inside its layers. */
  slotModel(slot: Slot): Promise<LanguageModelV3>;
  now: () => number;
}

type Part = LanguageModelV3StreamPart;

export function createCascade(deps: CascadeDeps): LanguageModelV3 {
  const { settings, now } = deps;

  /** The slots of this call and the parameters each gets. */
  async function plan(params: LanguageModelV3CallOptions) {
    const call = callOptionsOf(params);
    const policy = call.policy ?? {};
    const tenant = await deps.tenants.policyOf(call.tenantId);
    const slots = slotsFor(settings, {
      tenantId: call.tenantId,
      tenant,
      purpose: call.purpose,
      policy,
    });
    const deadline = now() + (policy.maxLatencyMs ?? settings.maxLatencyMs);
    const inner: LanguageModelV3CallOptions = {
      ...params,
      maxOutputTokens: params.maxOutputTokens ?? settings.maxTokens,
    };
    const promptChars = JSON.stringify(params.prompt).length;
    const paramsFor = (index: number) =>
      withCallOptions(inner, {
        ...call,
        phase: call.phase ?? call.purpose ?? 'reply',
        tenantSlug: tenant?.slug,
        deadline,
        lastSlot: index === slots.length - 1,
        maxCost: policy.maxCost ?? tenant?.maxCost ?? settings.maxCost,
        promptChars,
      } satisfies SlotCallOptions);
    return { slots, deadline, paramsFor };
  }

  /** Runs `attempt` on each slot until one answers; an `AttemptFailed` moves on. */
  async function cascade<T>(
    params: LanguageModelV3CallOptions,
    attempt: (model: LanguageModelV3, params: LanguageModelV3CallOptions, slot: Slot) => Promise<T>,
    attempts: Attempt[],
  ): Promise<T> {
    const { slots, deadline, paramsFor } = await plan(params);
    if (slots.length === 0) throw new CascadeExhausted('no_provider', attempts);
    for (const [index, slot] of slots.entries()) {
      if (now() >= deadline) break;
      try {
        return await attempt(await deps.slotModel(slot), paramsFor(index), slot);
      } catch (error) {
        if (!(error instanceof AttemptFailed)) throw error;
        attempts.push(error.attempt);
        if (ProviderError.is(error.cause) && error.cause.kind === 'cancelled') throw error.cause;
      }
    }
    throw new CascadeExhausted(now() >= deadline ? 'latency_budget' : 'all_failed', attempts);
  }

  const answered = (slot: Slot, attempts: Attempt[], metadata: Partial<GatewayMetadata>) => {
    if (metadata.attempt) attempts.push(metadata.attempt);
    return { provider: slot.provider, model: slot.model, attempt: undefined, attempts };
  };

  return {
    specificationVersion: 'v3',
    provider: 'omni-gateway',
    modelId: 'cascade',
    supportedUrls: {},

    async doGenerate(params) {
      const attempts: Attempt[] = [];
      return cascade(
        params,
        async (model, slotParams, slot) => {
          const result = await model.doGenerate(slotParams);
          const omni = (result.providerMetadata?.omni ?? {}) as Partial<GatewayMetadata>;
          return {
            ...result,
            providerMetadata: withMetadata(result.providerMetadata, answered(slot, attempts, omni)),
          };
        },
        attempts,
      );
    },

    async doStream(params) {
      const attempts: Attempt[] = [];
      return cascade(
        params,
        async (model, slotParams, slot) => {
          const result = await model.doStream(slotParams);
          const reader = result.stream.getReader();
          // Until its first text (or its end) the stream may still fail over to the next slot.
          const head: Part[] = [];
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            if (value.type === 'error') {
              await reader.cancel().catch(() => {});
              throw value.error;
            }
            head.push(value);
            if ((value.type === 'text-delta' && value.delta) || value.type === 'finish') break;
          }
          const stream = new ReadableStream<Part>({
            start(controller) {
              for (const part of head) controller.enqueue(rewrite(part));
            },
            async pull(controller) {
              const { done, value } = await reader.read();
              if (done) controller.close();
              else controller.enqueue(rewrite(value));
            },
            cancel: (reason) => reader.cancel(reason),
          });
          // After text went out, a failure is an interruption: the offline layer finishes it.
          function rewrite(part: Part): Part {
            if (part.type === 'finish') {
              const omni = (part.providerMetadata?.omni ?? {}) as Partial<GatewayMetadata>;
              return {
                ...part,
                providerMetadata: withMetadata(
                  part.providerMetadata,
                  answered(slot, attempts, omni),
                ),
              };
            }
            if (part.type !== 'error' || !(part.error instanceof AttemptFailed)) return part;
            attempts.push(part.error.attempt);
            const cause = part.error.cause;
            if (ProviderError.is(cause) && cause.kind === 'cancelled')
              return { type: 'error', error: cause };
            return { type: 'error', error: new CascadeExhausted('stream_interrupted', attempts) };
          }
          return { ...result, stream };
        },
        attempts,
      );
    },
  };
}
