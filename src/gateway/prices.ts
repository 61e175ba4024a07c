/**
 * The price table (SPEC §5.4): USD per 1M tokens per provider and model, stored in `ai_models`,
 * seeded for the default models and editable (`omni models set-price`). Cost is computed from the
 * usage each attempt reports — streamed or not — never estimated after the fact.
 */
import { sql } from 'drizzle-orm';
import { type Db, schema } from '../storage/index.ts';
import type { TokenUsage } from './types.ts';

export interface ModelPrice {
  provider: string;
  model: string;
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
  /** Absent: cached input is billed as normal input. */
  cachedInputUsdPerMillion?: number;
}

/**
 * Public list prices (USD per 1M tokens) of the default models as published by each vendor in
 * 2025. Seeded once; an operator's edits are never overwritten.
 */
export const DEFAULT_PRICES: ModelPrice[] = [
  price('openai', 'gpt-4o-mini', 0.15, 0.6, 0.075),
  price('openai', 'gpt-4o', 2.5, 10, 1.25),
  price('openai', 'gpt-4.1-mini', 0.4, 1.6, 0.1),
  price('anthropic', 'claude-haiku-4-5', 1, 5, 0.1),
  price('anthropic', 'claude-sonnet-4-5', 3, 15, 0.3),
  price('google', 'gemini-2.5-flash', 0.3, 2.5, 0.075),
  price('xai', 'grok-3-mini', 0.3, 0.5, 0.075),
  price('ollama', 'llama3.2', 0, 0, 0),
  price('local', 'offline', 0, 0, 0),
];

function price(
  provider: string,
  model: string,
  input: number,
  output: number,
  cachedInput?: number,
): ModelPrice {
  return {
    provider,
    model,
    inputUsdPerMillion: input,
    outputUsdPerMillion: output,
    cachedInputUsdPerMillion: cachedInput,
  };
}

export async function seedPrices(db: Db): Promise<void> {
  await db
    .insert(schema.aiModels)
    .values(DEFAULT_PRICES.map(toRow))
    .onConflictDoNothing({ target: [schema.aiModels.provider, schema.aiModels.model] });
}

export async function listPrices(db: Db): Promise<ModelPrice[]> {
  const rows = await db
    .select()
    .from(schema.aiModels)
    .orderBy(schema.aiModels.provider, schema.aiModels.model);
  return rows.map((row) => ({
    provider: row.provider,
    model: row.model,
    inputUsdPerMillion: Number(row.inputUsdPerMillion),
    outputUsdPerMillion: Number(row.outputUsdPerMillion),
    cachedInputUsdPerMillion:
      row.cachedInputUsdPerMillion === null ? undefined : Number(row.cachedInputUsdPerMillion),
  }));
}

/** Inserts or replaces one model's prices. */
export async function setPrice(db: Db, entry: ModelPrice): Promise<void> {
  const row = toRow(entry);
  await db
    .insert(schema.aiModels)
    .values(row)
    .onConflictDoUpdate({
      target: [schema.aiModels.provider, schema.aiModels.model],
      set: {
        inputUsdPerMillion: row.inputUsdPerMillion,
        outputUsdPerMillion: row.outputUsdPerMillion,
        cachedInputUsdPerMillion: row.cachedInputUsdPerMillion,
        updatedAt: sql`now()`,
      },
    });
}

function toRow(entry: ModelPrice) {
  return {
    provider: entry.provider,
    model: entry.model,
    inputUsdPerMillion: String(entry.inputUsdPerMillion),
    outputUsdPerMillion: String(entry.outputUsdPerMillion),
    cachedInputUsdPerMillion:
      entry.cachedInputUsdPerMillion === undefined ? null : String(entry.cachedInputUsdPerMillion),
  };
}

export function costOf(entry: ModelPrice, usage: TokenUsage): number {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const cachedRate = entry.cachedInputUsdPerMillion ?? entry.inputUsdPerMillion;
  return (
    ((usage.inputTokens - cached) * entry.inputUsdPerMillion +
      cached * cachedRate +
      usage.outputTokens * entry.outputUsdPerMillion) /
    1_000_000
  );
}

/**
 * The most a call can cost: its prompt plus the whole output allowance. ~4 characters per token is
 * the usual rule of thumb for English and Portuguese text.
 */
export function estimateCost(entry: ModelPrice, promptChars: number, maxTokens: number): number {
  return costOf(entry, {
    inputTokens: Math.ceil(promptChars / 4),
    outputTokens: maxTokens,
    cachedInputTokens: 0,
  });
}

/** Prices edited by `omni models set-price` in another process are seen within this. */
const PRICE_REFRESH_MS = 60_000;

/** The price table as the gateway reads it: seeded on first use, cached, refreshed. */
export interface PriceBook {
  of(provider: string, model: string): Promise<ModelPrice | undefined>;
}

export function createPriceBook(
  db: Db,
  warn: (error: unknown) => void,
  now: () => number,
): PriceBook {
  let prices: { at: number; byModel: Map<string, ModelPrice> } | undefined;
  let loading: Promise<void> | undefined;
  return {
    async of(provider, model) {
      if (!prices || now() - prices.at > PRICE_REFRESH_MS) {
        loading ??= (async () => {
          if (!prices) await seedPrices(db);
          const rows = await listPrices(db);
          prices = {
            at: now(),
            byModel: new Map(rows.map((p) => [`${p.provider}|${p.model}`, p])),
          };
        })()
          .catch(warn)
          .finally(() => {
            loading = undefined;
          });
        await loading;
      }
      return prices?.byModel.get(`${provider}|${model}`);
    },
  };
}
