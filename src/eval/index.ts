/**
 * `omni eval`: conversation tests a team writes in YAML, run against a fresh in-memory Omni with
 * the real agents and gateway (the LLM simulator scripted by the case, or the configured
 * providers), reported as a table, a pass rate and diffs, compared with a saved baseline, and
 * recorded for the dashboard. Sits between the edges and the runtime: it composes a runtime itself.
 */
export { EvalSuiteError, type EvalSuiteErrorCode } from './errors.ts';
export { type EvalSuite, loadSuites } from './load.ts';
export {
  type BaselineComparison,
  compareToBaseline,
  type EvalReport,
  formatFailures,
  formatSummary,
  formatTable,
  parseBaseline,
} from './report.ts';
export { type CaseResult, type EvalMode, type EvalRun, evalMode, runEvals } from './run.ts';
export { type EvalRunView, lastEvalRun, recordEvalRun } from './runs.ts';
