/**
 * The provider catalogue (SPEC §5.1): how each provider is enabled, its default model, and how its
 * AI SDK model is built. SDK retries are turned off where the call is made (`maxRetries: 0`).
 * Each provider's SDK is imported when its first model is built: the five together cost ~11 MB of
 * RSS in every process, and an instance uses one or two of them.
 */

import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { Config } from '../config/index.ts';
import { guardedFetch } from '../egress/index.ts';
import { LLM_PROVIDERS, type LlmProvider } from './types.ts';

export type FetchFunction = typeof globalThis.fetch;

export interface ProviderCredentials {
  apiKey?: string;
  baseUrl?: string;
  model?: string;
}

/** One configured provider as the cascade sees it. */
export interface Slot {
  /** Keys breaker, bucket and state: the provider name, or `name@tenant:<id>` for a tenant's key. */
  id: string;
  provider: LlmProvider;
  model: string;
  apiKey?: string;
  baseUrl?: string;
  source: string;
}

interface ProviderSpec {
  /** `OPENAI` for OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL. */
  prefix: string;
  /** Local servers need no key: a base URL enables them. */
  enabledBy: 'key' | 'base_url';
  defaultModel?: string;
  build(
    slot: Slot,
    fetch: FetchFunction | undefined,
  ): Promise<(modelId: string) => LanguageModelV3>;
}

/** Default models: cheap, current, tool-capable; each has a row in the seeded price table. */
const SPECS: Record<LlmProvider, ProviderSpec> = {
  openai: {
    prefix: 'OPENAI',
    enabledBy: 'key',
    defaultModel: 'gpt-4o-mini',
    // `.chat`: the chat-completions API, which every OpenAI-compatible server also speaks.
    build: async (slot, fetch) => {
      const { createOpenAI } = await import('@ai-sdk/openai');
      return createOpenAI({ apiKey: slot.apiKey, baseURL: slot.baseUrl, fetch, name: 'openai' })
        .chat;
    },
  },
  anthropic: {
    prefix: 'ANTHROPIC',
    enabledBy: 'key',
    defaultModel: 'claude-haiku-4-5',
    build: async (slot, fetch) => {
      const { createAnthropic } = await import('@ai-sdk/anthropic');
      const provider = createAnthropic({ apiKey: slot.apiKey, baseURL: slot.baseUrl, fetch });
      return (modelId) => provider(modelId);
    },
  },
  google: {
    prefix: 'GOOGLE',
    enabledBy: 'key',
    defaultModel: 'gemini-2.5-flash',
    build: async (slot, fetch) => {
      const { createGoogleGenerativeAI } = await import('@ai-sdk/google');
      const provider = createGoogleGenerativeAI({
        apiKey: slot.apiKey,
        baseURL: slot.baseUrl,
        fetch,
      });
      return (modelId) => provider(modelId);
    },
  },
  xai: {
    prefix: 'XAI',
    enabledBy: 'key',
    defaultModel: 'grok-3-mini',
    build: async (slot, fetch) => {
      const { createXai } = await import('@ai-sdk/xai');
      return createXai({ apiKey: slot.apiKey, baseURL: slot.baseUrl, fetch }).chat;
    },
  },
  ollama: {
    prefix: 'OLLAMA',
    enabledBy: 'base_url',
    defaultModel: 'llama3.2',
    // Ollama speaks the OpenAI chat-completions format under /v1.
    build: async (slot, fetch) => {
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      return createOpenAICompatible({
        name: 'ollama',
        baseURL: `${(slot.baseUrl ?? '').replace(/\/+$/, '')}/v1`,
        apiKey: slot.apiKey,
        fetch,
        includeUsage: true,
      }).chatModel;
    },
  },
  'openai-compatible': {
    prefix: 'OPENAI_COMPATIBLE',
    enabledBy: 'base_url',
    build: async (slot, fetch) => {
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      return createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: slot.baseUrl ?? '',
        apiKey: slot.apiKey,
        fetch,
        includeUsage: true,
      }).chatModel;
    },
  },
};

export function isLlmProvider(name: string): name is LlmProvider {
  return (LLM_PROVIDERS as readonly string[]).includes(name);
}

/** The variable an operator fixes when this provider says "misconfigured". */
export function keyVariable(provider: LlmProvider): string {
  const spec = SPECS[provider];
  return spec.enabledBy === 'key' ? `${spec.prefix}_API_KEY` : `${spec.prefix}_BASE_URL`;
}

export function modelVariable(provider: LlmProvider): string {
  return `${SPECS[provider].prefix}_MODEL`;
}

export function defaultModelOf(provider: LlmProvider): string | undefined {
  return SPECS[provider].defaultModel;
}

/** `<PROVIDER>_API_KEY`, `_BASE_URL`, `_MODEL` of every provider, from the configuration. */
export function credentialsFromConfig(config: Config): Record<LlmProvider, ProviderCredentials> {
  const read = (name: string) => (config as Record<string, unknown>)[name] as string | undefined;
  const result = {} as Record<LlmProvider, ProviderCredentials>;
  for (const provider of LLM_PROVIDERS) {
    const { prefix } = SPECS[provider];
    result[provider] = {
      apiKey: read(`${prefix}_API_KEY`),
      baseUrl: read(`${prefix}_BASE_URL`),
      model: read(`${prefix}_MODEL`),
    };
  }
  return result;
}

/** The providers the configuration enables (a key; a base URL for ollama and openai-compatible). */
export function enabledProviders(config: Config): LlmProvider[] {
  const credentials = credentialsFromConfig(config);
  return LLM_PROVIDERS.filter((provider) => isEnabled(provider, credentials[provider]));
}

export function isEnabled(provider: LlmProvider, credentials: ProviderCredentials): boolean {
  const spec = SPECS[provider];
  if (spec.enabledBy === 'base_url') return Boolean(credentials.baseUrl);
  return Boolean(credentials.apiKey);
}

/** `provider:model` pins a provider; a bare model name applies to the first slot of the cascade. */
export function parseModelChoice(value: string | undefined): {
  provider?: LlmProvider;
  model: string;
} | null {
  if (!value) return null;
  const colon = value.indexOf(':');
  const head = colon > 0 ? value.slice(0, colon) : '';
  if (isLlmProvider(head)) return { provider: head, model: value.slice(colon + 1) };
  return { model: value };
}

/**
 * The provider registry: a slot's AI SDK model, its provider built once per slot and credentials
 * (a changed key makes a new one). A tenant's own base URL is an address the tenant chose, so its
 * calls go through the egress guard; the operator's (a local model server on 127.0.0.1) do not.
 */
export interface ProviderRegistry {
  languageModel(slot: Slot): Promise<LanguageModelV3>;
}

export function createProviderRegistry(fetch: FetchFunction | undefined): ProviderRegistry {
  const providers = new Map<string, Promise<(modelId: string) => LanguageModelV3>>();
  return {
    async languageModel(slot) {
      const cacheKey = `${slot.id}|${slot.apiKey ?? ''}|${slot.baseUrl ?? ''}`;
      let build = providers.get(cacheKey);
      if (!build) {
        const tenantChosen = slot.source !== 'env' && Boolean(slot.baseUrl);
        build = SPECS[slot.provider].build(
          slot,
          fetch ?? (tenantChosen ? guardedFetch : undefined),
        );
        providers.set(cacheKey, build);
      }
      return (await build)(slot.model);
    },
  };
}
