/**
 * What `llm_attempts` says about each provider recently — shared by every process, unlike the
 * in-memory breaker state — for `omni providers status`.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../storage/index.ts';

export interface AttemptSummary {
  provider: string;
  model: string;
  ok: number;
  errors: number;
  skipped: number;
  last_error_kind: string | null;
  last_at: Date | string;
}

export async function recentAttempts(db: Db, minutes: number): Promise<AttemptSummary[]> {
  return queryRows<AttemptSummary>(
    db,
    sql`select provider, model,
               count(*) filter (where outcome = 'ok')::int as ok,
               count(*) filter (where outcome = 'error')::int as errors,
               count(*) filter (where outcome = 'skipped')::int as skipped,
               (array_agg(error_kind order by created_at desc)
                  filter (where outcome = 'error'))[1] as last_error_kind,
               max(created_at) as last_at
          from llm_attempts
         where created_at > now() - make_interval(mins => ${minutes})
         group by provider, model
         order by provider, model`,
  );
}
