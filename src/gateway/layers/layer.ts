/**
 * The one shape every gateway layer has, written once for both ways a model is called: a layer
 * decides per call what happens before the inner model is asked (throw to skip it, or replace the
 * call's parameters), what to add once it answered (with its usage), what a failure means, and
 * what to release either way. For a stream, "answered" is its `finish` part and a failure may be
 * an `error` part, so the same hooks run when those parts pass.
 */
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3Middleware,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { type GatewayMetadata, metadataOf, withMetadata } from '../call-options.ts';

export interface LayerCall {
  /** Parameters for the inner model instead of the caller's (another abort signal). */
  params?: LanguageModelV3CallOptions;
  /** The inner model answered; what it returns is added to `providerMetadata.omni`. */
  succeeded?(
    usage: LanguageModelV3Usage,
    metadata: Partial<GatewayMetadata>,
  ): Promise<Partial<GatewayMetadata> | undefined> | Partial<GatewayMetadata> | undefined;
  /** The inner model failed; returns the error to pass on (default: the same). */
  failed?(error: unknown): Promise<unknown> | unknown;
  /** Once per call, after success or failure. */
  settled?(): void;
}

export type Layer = (params: LanguageModelV3CallOptions) => Promise<LayerCall> | LayerCall;

export function layer(start: Layer): LanguageModelV3Middleware {
  return {
    specificationVersion: 'v3',
    wrapGenerate: async ({ doGenerate, params, model }) => {
      const call = await start(params);
      const settle = once(call.settled);
      try {
        const result = await (call.params ? model.doGenerate(call.params) : doGenerate());
        const extra = await call.succeeded?.(result.usage, metadataOf(result.providerMetadata));
        return extra
          ? { ...result, providerMetadata: withMetadata(result.providerMetadata, extra) }
          : result;
      } catch (error) {
        throw call.failed ? await call.failed(error) : error;
      } finally {
        settle();
      }
    },
    wrapStream: async ({ doStream, params, model }) => {
      const call = await start(params);
      const settle = once(call.settled);
      let result: Awaited<ReturnType<typeof doStream>>;
      try {
        result = await (call.params ? model.doStream(call.params) : doStream());
      } catch (error) {
        settle();
        throw call.failed ? await call.failed(error) : error;
      }
      const tap = new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
        async transform(part, controller) {
          if (part.type === 'finish') {
            const extra = await call.succeeded?.(part.usage, metadataOf(part.providerMetadata));
            settle();
            controller.enqueue(
              extra
                ? { ...part, providerMetadata: withMetadata(part.providerMetadata, extra) }
                : part,
            );
          } else if (part.type === 'error') {
            const error = call.failed ? await call.failed(part.error) : part.error;
            settle();
            controller.enqueue({ type: 'error', error });
          } else {
            controller.enqueue(part);
          }
        },
        flush: settle,
      });
      return { ...result, stream: result.stream.pipeThrough(tap) };
    },
  };
}

function once(fn: (() => void) | undefined): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn?.();
  };
}
