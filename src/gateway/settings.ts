/**
 * The gateway's policy, resolved once from the configuration (SPEC §5.2), and a tenant's overrides
 * read from `tenants.settings` (`llm`, `providers`, `canned_responses`, `language`).
 */
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import type { BreakerSettings } from './breaker.ts';
import { credentialsFromConfig, isLlmProvider, type ProviderCredentials } from './providers.ts';
import type { BucketSettings } from './token-bucket.ts';
import { LLM_PROVIDERS, type LlmProvider } from './types.ts';

export interface GatewaySettings {
  /** Every provider, in cascade order; whether it is enabled is decided per call. */
  order: LlmProvider[];
  pinned?: LlmProvider;
  defaultModel?: string;
  simpleModel?: string;
  maxTokens: number;
  attemptTimeoutMs: number;
  maxLatencyMs: number;
  maxCost?: number;
  fallbackMode: boolean;
  dailyBudgetUsd?: number;
  bucket: BucketSettings;
  breaker: BreakerSettings;
  credentials: Record<LlmProvider, ProviderCredentials>;
  /** Names in PROVIDER_PRIORITY_ORDER / LLM_PROVIDER that are no provider (logged once). */
  unknownNames: string[];
}

/** Five in a row: one flaky answer does not open the breaker, a real outage does quickly. */
export const BREAKER_DEFAULTS: BreakerSettings = { threshold: 5, cooldownMs: 30_000 };

export function gatewaySettings(
  config: Config,
  breaker?: Partial<BreakerSettings>,
): GatewaySettings {
  const unknownNames: string[] = [];
  const names = config.PROVIDER_PRIORITY_ORDER ?? [];
  for (const name of names) if (!isLlmProvider(name) && name !== 'local') unknownNames.push(name);
  const listed = names.filter(isLlmProvider);
  const pin = config.LLM_PROVIDER?.trim().toLowerCase();
  if (pin && !isLlmProvider(pin) && pin !== 'local') unknownNames.push(pin);
  return {
    // An explicit order is the whole cascade; without one every enabled provider takes part.
    order: listed.length > 0 ? [...new Set(listed)] : [...LLM_PROVIDERS],
    pinned: pin && isLlmProvider(pin) ? pin : undefined,
    defaultModel: config.DEFAULT_MODEL,
    simpleModel: config.SIMPLE_QUERY_MODEL,
    maxTokens: config.MAX_TOKENS,
    // LLM_TIMEOUT (seconds, the runbooks' knob) wins when set; PROVIDER_TIMEOUT_MS has a default.
    attemptTimeoutMs: config.LLM_TIMEOUT
      ? Math.round(config.LLM_TIMEOUT * 1000)
      : config.PROVIDER_TIMEOUT_MS,
    maxLatencyMs: config.MAX_LATENCY_MS,
    maxCost: config.MAX_COST_PER_REQUEST,
    fallbackMode: config.FALLBACK_MODE,
    dailyBudgetUsd: config.LLM_DAILY_BUDGET_USD,
    bucket: { ratePerSecond: config.RATE_LIMIT_RPS, burst: config.RATE_LIMIT_BURST },
    breaker: { ...BREAKER_DEFAULTS, ...breaker },
    credentials: credentialsFromConfig(config),
    unknownNames,
  };
}

const credentialsSchema = z.object({
  api_key: z.string().optional(),
  base_url: z.string().optional(),
  model: z.string().optional(),
});

/** What a tenant may override, under `settings.llm` and `settings.providers`. */
const tenantSchema = z.object({
  language: z.string().optional(),
  canned_responses: z.record(z.string(), z.string()).optional(),
  llm: z
    .object({
      provider_priority_order: z
        .union([z.array(z.string()), z.string().transform((s) => s.split(','))])
        .optional(),
      llm_provider: z.string().optional(),
      default_model: z.string().optional(),
      simple_query_model: z.string().optional(),
      max_cost_per_request: z.coerce.number().positive().optional(),
      daily_budget_usd: z.coerce.number().positive().optional(),
      fallback_mode: z.boolean().optional(),
    })
    .optional(),
  providers: z.record(z.string(), credentialsSchema).optional(),
});

export interface TenantPolicy {
  slug?: string;
  language?: string;
  canned?: Record<string, string>;
  order?: LlmProvider[];
  pinned?: LlmProvider;
  defaultModel?: string;
  simpleModel?: string;
  maxCost?: number;
  dailyBudgetUsd?: number;
  fallbackMode?: boolean;
  credentials: Partial<Record<LlmProvider, ProviderCredentials>>;
  /** Why the settings were ignored, when they did not parse. */
  invalid?: string;
}

export function tenantPolicy(slug: string, settings: unknown): TenantPolicy {
  const parsed = tenantSchema.safeParse(settings ?? {});
  if (!parsed.success) {
    return { slug, credentials: {}, invalid: parsed.error.issues[0]?.message ?? 'invalid' };
  }
  const { llm, providers } = parsed.data;
  const credentials: Partial<Record<LlmProvider, ProviderCredentials>> = {};
  for (const [name, value] of Object.entries(providers ?? {})) {
    if (!isLlmProvider(name)) continue;
    credentials[name] = { apiKey: value.api_key, baseUrl: value.base_url, model: value.model };
  }
  const order = llm?.provider_priority_order
    ?.map((name) => name.trim().toLowerCase())
    .filter(isLlmProvider);
  const pin = llm?.llm_provider?.trim().toLowerCase();
  return {
    slug,
    language: parsed.data.language,
    canned: parsed.data.canned_responses,
    order: order && order.length > 0 ? order : undefined,
    pinned: pin && isLlmProvider(pin) ? pin : undefined,
    defaultModel: llm?.default_model,
    simpleModel: llm?.simple_query_model,
    maxCost: llm?.max_cost_per_request,
    dailyBudgetUsd: llm?.daily_budget_usd,
    fallbackMode: llm?.fallback_mode,
    credentials,
  };
}
