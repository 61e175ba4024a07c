/**
 * Eval runs recorded for a tenant (`omni eval --tenant <slug>`), so its dashboard shows the last
 * one: totals, regressions against the baseline, and each case's outcome with what failed.
 */
import { desc, eq } from 'drizzle-orm';
import { type Db, schema } from '../storage/index.ts';
import type { EvalReport } from './report.ts';

export interface EvalRunView {
  id: string;
  mode: string;
  total: number;
  passed: number;
  failed: number;
  regressions: number;
  startedAt: string;
  recordedAt: string;
  cases: Array<{
    file: string;
    name: string;
    status: string;
    failures: Array<{ turn: number; expectation: string }>;
  }>;
}

export async function recordEvalRun(db: Db, tenantId: string, report: EvalReport): Promise<string> {
  const [row] = await db
    .insert(schema.evalRuns)
    .values({
      tenantId,
      mode: report.mode,
      total: report.total,
      passed: report.passed,
      failed: report.failed,
      regressions: report.baseline?.regressions.length ?? 0,
      startedAt: new Date(report.startedAt),
      cases: report.cases.map((c) => ({
        file: c.file,
        name: c.name,
        status: c.status,
        failures: c.failures.map((f) => ({ turn: f.turn, expectation: f.expectation })),
      })),
    })
    .returning({ id: schema.evalRuns.id });
  return (row as { id: string }).id;
}

export async function lastEvalRun(db: Db, tenantId: string): Promise<EvalRunView | null> {
  const [row] = await db
    .select()
    .from(schema.evalRuns)
    .where(eq(schema.evalRuns.tenantId, tenantId))
    .orderBy(desc(schema.evalRuns.createdAt))
    .limit(1);
  if (!row) return null;
  return {
    id: row.id,
    mode: row.mode,
    total: row.total,
    passed: row.passed,
    failed: row.failed,
    regressions: row.regressions,
    startedAt: row.startedAt.toISOString(),
    recordedAt: row.createdAt.toISOString(),
    cases: row.cases as EvalRunView['cases'],
  };
}
