/**
 * The tenant's daily LLM budget (LLM_DAILY_BUDGET_USD, `settings.llm.daily_budget_usd`): after an
 * answer that cost something, today's recorded spend is summed; over the budget it is counted and
 * said once a day. It warns and never refuses: a customer still gets an answer.
 */
import type { LanguageModelV3Middleware } from '@ai-sdk/provider';
import { and, eq, gte, sql } from 'drizzle-orm';
import type { Logger } from '../../observability/index.ts';
import { type Db, schema } from '../../storage/index.ts';
import { callOptionsOf } from '../call-options.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { GatewaySettings } from '../settings.ts';
import type { TenantPolicies } from '../slots.ts';
import { layer } from './layer.ts';

export interface DailyBudgetDeps {
  db: Db;
  logger: Logger;
  metrics: GatewayMetrics;
  settings: GatewaySettings;
  tenants: TenantPolicies;
  now: () => number;
}

export function dailyBudget(deps: DailyBudgetDeps): LanguageModelV3Middleware {
  const warnedOn = new Map<string, string>();

  async function check(tenantId: string): Promise<void> {
    const tenant = await deps.tenants.policyOf(tenantId);
    const budget = tenant?.dailyBudgetUsd ?? deps.settings.dailyBudgetUsd;
    if (!tenant || budget === undefined) return;
    const [row] = await deps.db
      .select({ spent: sql<string | null>`sum(${schema.llmAttempts.costUsd})` })
      .from(schema.llmAttempts)
      .where(
        and(
          eq(schema.llmAttempts.tenantId, tenantId),
          gte(schema.llmAttempts.createdAt, sql`date_trunc('day', now())`),
        ),
      );
    const spent = Number(row?.spent ?? 0);
    if (spent <= budget) return;
    deps.metrics.budgetExceeded.inc({ tenant: tenant.slug ?? tenantId });
    const day = new Date(deps.now()).toISOString().slice(0, 10);
    if (warnedOn.get(tenantId) === day) return;
    warnedOn.set(tenantId, day);
    deps.logger.warn(
      { tenant: tenant.slug, spent_usd: spent, budget_usd: budget },
      'tenant is over its daily LLM budget (LLM_DAILY_BUDGET_USD / settings.llm.daily_budget_usd)',
    );
  }

  return layer((params) => {
    const { tenantId } = callOptionsOf(params);
    return {
      succeeded: async (_usage, metadata) => {
        if (tenantId && metadata.costUsd) await check(tenantId);
        return undefined;
      },
    };
  });
}
