/**
 * `omni eval [folder]`: the team's conversation tests (YAML in ./evals by default) against a fresh
 * in-memory Omni; a table and pass rate (or `--json`), diffs of what failed, a comparison with a
 * saved baseline, exit 1 on any failure. `--tenant` records the run for that tenant's dashboard.
 * Other `omni eval <set>` subcommands share the command; this is its default action.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.ts';
import {
  compareToBaseline,
  type EvalReport,
  formatFailures,
  formatSummary,
  formatTable,
  loadSuites,
  parseBaseline,
  recordEvalRun,
  runEvals,
} from '../../eval/index.ts';
import { getTenant } from '../../tenancy/index.ts';
import { CliError, commandLogger, numberOption, printJson, say, withRuntime } from '../output.ts';

interface EvalOptions {
  kb?: string;
  json?: boolean;
  baseline?: string;
  saveBaseline?: boolean;
  simulate?: boolean;
  tenant?: string;
  timeout: number;
}

export function registerEvalCommand(program: Command): void {
  // `omni eval guardrails --json` must reach the subcommand: commander hands a parent everything
  // after its name unless positional options are on at every level above the subcommand.
  program.enablePositionalOptions();
  const evalCommand =
    program.commands.find((c) => c.name() === 'eval') ??
    program.command('eval').description('evaluate the bot: conversation tests and built-in sets');
  evalCommand
    .enablePositionalOptions()
    .argument('[folder]', 'a folder of eval files (*.yaml) or one file', './evals')
    .option('--kb <dir>', 'knowledge-base folder for files without a `kb:` key')
    .option('--json', 'print the report as JSON (and nothing else on stdout)')
    .option('--baseline <file>', 'compare with a saved report and show regressions')
    .option('--save-baseline', 'write this run to the --baseline file')
    .option('--simulate', 'use the scripted LLM simulator even when provider keys are set')
    .option('--tenant <tenant>', 'record the run for this tenant’s dashboard (slug or id)')
    .option(
      '--timeout <s>',
      'seconds to wait for each reply',
      numberOption('--timeout', { positive: true }),
      60,
    )
    .action(async (folder: string, options: EvalOptions) => {
      if (options.saveBaseline && !options.baseline) {
        throw new CliError('--save-baseline needs --baseline <file> to write to.');
      }
      const config = loadConfig();
      const suites = await loadSuites(folder, { kb: options.kb });
      // A first --save-baseline has nothing to compare with yet.
      const baseline =
        options.baseline && !(options.saveBaseline && !existsSync(options.baseline))
          ? await readBaseline(options.baseline)
          : undefined;
      const run = await runEvals(suites, {
        config,
        // The bot's own warnings (a refused injection…) are what the cases test, not news.
        logger: commandLogger(config, 'error'),
        simulate: options.simulate,
        turnTimeoutMs: options.timeout * 1000,
        onCase: (result) => {
          if (!options.json)
            say(`${result.status === 'passed' ? '✓' : '✗'} ${result.file} › ${result.name}`);
        },
      });
      const report: EvalReport = {
        ...run,
        baseline: baseline ? compareToBaseline(run, baseline) : undefined,
      };
      if (options.json) printJson(report);
      else {
        process.stdout.write(`${formatTable(report)}\n\n${formatSummary(report)}\n`);
        const failures = formatFailures(report);
        if (failures) process.stdout.write(`\n${failures}\n`);
      }
      if (options.saveBaseline && options.baseline) {
        await writeFile(options.baseline, `${JSON.stringify(report, null, 2)}\n`);
        say(`Baseline saved to ${options.baseline}.`);
      }
      if (options.tenant) {
        const tenantRef = options.tenant;
        await withRuntime(async ({ database }) => {
          const tenant = await getTenant(database.db, tenantRef);
          await recordEvalRun(database.db, tenant.id, report);
        });
        say(`Run recorded for tenant ${tenantRef}: the dashboard shows it.`);
      }
      if (report.failed > 0 || (report.baseline?.regressions.length ?? 0) > 0) {
        process.exitCode = 1;
      }
    });
}

async function readBaseline(path: string) {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new CliError(
      `No baseline at ${path} (save one with --baseline ${path} --save-baseline).`,
    );
  });
  try {
    return parseBaseline(JSON.parse(text));
  } catch {
    throw new CliError(`${path} is not an \`omni eval --json\` report.`);
  }
}
