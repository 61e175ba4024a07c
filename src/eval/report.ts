/**
 * What `omni eval` prints: a table of cases, the pass rate, for each failure a readable diff
 * (expected vs got, under the turn that produced it), and against a saved baseline the cases that
 * regressed or were fixed. The JSON report is the run plus the comparison, and serves as a baseline.
 */
import { z } from 'zod';
import type { CaseResult, EvalRun } from './run.ts';

export interface BaselineComparison {
  /** Passed in the baseline, fail now. */
  regressions: Array<{ file: string; name: string }>;
  /** Failed in the baseline, pass now. */
  fixed: Array<{ file: string; name: string }>;
  /** Cases the baseline does not have. */
  added: Array<{ file: string; name: string }>;
  passRateBefore: number;
  passRateNow: number;
}

export interface EvalReport extends EvalRun {
  baseline?: BaselineComparison;
}

const baselineSchema = z.object({
  passRate: z.number(),
  cases: z.array(z.object({ file: z.string(), name: z.string(), status: z.string() })),
});

/** A saved report (`--json` output), validated; throws a ZodError when the file is not one. */
export function parseBaseline(json: unknown): z.infer<typeof baselineSchema> {
  return baselineSchema.parse(json);
}

export function compareToBaseline(
  run: EvalRun,
  baseline: z.infer<typeof baselineSchema>,
): BaselineComparison {
  const before = new Map(baseline.cases.map((c) => [keyOf(c), c.status]));
  const comparison: BaselineComparison = {
    regressions: [],
    fixed: [],
    added: [],
    passRateBefore: baseline.passRate,
    passRateNow: run.passRate,
  };
  for (const result of run.cases) {
    const was = before.get(keyOf(result));
    const entry = { file: result.file, name: result.name };
    if (was === undefined) comparison.added.push(entry);
    else if (was === 'passed' && result.status === 'failed') comparison.regressions.push(entry);
    else if (was === 'failed' && result.status === 'passed') comparison.fixed.push(entry);
  }
  return comparison;
}

const keyOf = (c: { file: string; name: string }) => `${c.file}\u0000${c.name}`;

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;

export function formatTable(report: EvalReport): string {
  const regressed = new Set(report.baseline?.regressions.map(keyOf));
  const rows = report.cases.map((c) => [
    c.file,
    c.name,
    String(c.turns),
    c.status === 'passed' ? 'pass' : regressed.has(keyOf(c)) ? 'FAIL (regression)' : 'FAIL',
    c.status === 'failed'
      ? `${c.failures.length} expectation${c.failures.length === 1 ? '' : 's'} failed`
      : c.notes.length > 0
        ? `${c.notes.length} note${c.notes.length === 1 ? '' : 's'} below`
        : '',
  ]);
  const header = ['FILE', 'CASE', 'TURNS', 'RESULT', 'NOTE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatSummary(report: EvalReport): string {
  const lines = [
    `${report.passed}/${report.total} cases passed (${percent(report.passRate)}) — ${
      report.mode === 'simulator' ? 'scripted LLM simulator' : 'configured model providers'
    }`,
  ];
  const comparison = report.baseline;
  if (comparison) {
    lines.push(
      `Against the baseline: ${percent(comparison.passRateBefore)} → ${percent(comparison.passRateNow)}; ` +
        `${comparison.regressions.length} regression(s), ${comparison.fixed.length} fixed, ${comparison.added.length} new`,
    );
    for (const r of comparison.regressions) lines.push(`  REGRESSION ${r.file} › ${r.name}`);
    for (const f of comparison.fixed) lines.push(`  fixed      ${f.file} › ${f.name}`);
  }
  const skipped = report.cases.flatMap((c) => c.notes.map((n) => `${c.file} › ${c.name}: ${n}`));
  if (skipped.length > 0) {
    lines.push(`Notes:`, ...skipped.map((n) => `  ${n}`));
  }
  return lines.join('\n');
}

/** Every failed case: its failed expectations under the turn that produced them. */
export function formatFailures(report: EvalReport): string {
  return report.cases
    .filter((c) => c.status === 'failed')
    .map(formatCaseFailures)
    .join('\n\n');
}

function formatCaseFailures(result: CaseResult): string {
  const lines = [`FAIL ${result.file} › ${result.name}`];
  let turn = 0;
  for (const failure of result.failures) {
    if (failure.turn !== turn) {
      turn = failure.turn;
      lines.push(`  turn ${turn}: contact says ${JSON.stringify(failure.say)}`);
    }
    lines.push(
      `    ✗ ${failure.expectation}`,
      `        expected: ${failure.expected}`,
      `        got:      ${failure.got}`,
    );
  }
  return lines.join('\n');
}
