/**
 * Speech to text through the AI SDK (`experimental_transcribe` in ai v6), with its own cascade
 * TRANSCRIPTION_PROVIDERS: each `provider:model` is tried in order, a provider without a key is
 * skipped, and the first text wins. The provider's key and base URL are the chat provider's
 * (OPENAI_API_KEY, OPENAI_BASE_URL), set by the operator, so these calls need no egress check.
 */
import type { Config } from '../config/index.ts';
import { MediaError } from './errors.ts';

export interface Transcript {
  text: string;
  /** `provider:model`. */
  by: string;
}

export interface Transcriber {
  /** The `provider:model` entries that can be used (their key is set); empty: nobody can listen. */
  usable: string[];
  transcribe(
    audio: Uint8Array,
    options: { language?: string; signal?: AbortSignal },
  ): Promise<Transcript>;
}

const DEFAULT_MODELS: Record<string, string> = { openai: 'gpt-4o-mini-transcribe' };

/** The providers the AI SDK packages installed here can transcribe with. */
export const TRANSCRIPTION_PROVIDER_NAMES = Object.keys(DEFAULT_MODELS);

export function createTranscriber(config: Config): Transcriber {
  const entries = config.TRANSCRIPTION_PROVIDERS.map((entry) => {
    const [provider = '', model] = entry.split(':');
    return { provider, model: model || DEFAULT_MODELS[provider] || '' };
  });
  const usable = entries.filter(
    (entry) => entry.provider === 'openai' && Boolean(config.OPENAI_API_KEY) && entry.model,
  );
  return {
    usable: usable.map((entry) => `${entry.provider}:${entry.model}`),
    async transcribe(audio, options) {
      if (usable.length === 0) {
        throw new MediaError('no_transcriber', 'No transcription provider is configured.');
      }
      const { experimental_transcribe: transcribe } = await import('ai');
      const { createOpenAI } = await import('@ai-sdk/openai');
      const failures: string[] = [];
      for (const entry of usable) {
        const provider = createOpenAI({
          apiKey: config.OPENAI_API_KEY,
          baseURL: config.OPENAI_BASE_URL,
        });
        try {
          const result = await transcribe({
            model: provider.transcription(entry.model),
            audio,
            // ISO-639-1, as the API wants it: pt-BR → pt.
            ...(options.language
              ? { providerOptions: { openai: { language: options.language.slice(0, 2) } } }
              : {}),
            maxRetries: 0,
            abortSignal: options.signal,
          });
          return { text: result.text.trim(), by: `${entry.provider}:${entry.model}` };
        } catch (error) {
          if (options.signal?.aborted) throw error;
          failures.push(`${entry.provider}:${entry.model}: ${(error as Error).message}`);
        }
      }
      throw new MediaError(
        'transcription_failed',
        `Every transcription provider failed (${failures.join('; ')}).`,
      );
    },
  };
}
