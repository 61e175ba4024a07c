/**
 * `omni eval guardrails`: the prompt-injection guardrail measured on a labelled set (the held-out
 * one by default) — detection and false-positive rates, per attack style, for the offline layer,
 * and for the offline layer with the classifier judge when an LLM provider is configured.
 */
import type { Command } from 'commander';
import {
  agentMetrics,
  createInjectionJudge,
  evaluateGuardrails,
  type GuardrailEvaluation,
  type LayerFigures,
  loadGuardrailSet,
  type Rate,
} from '../../agents/index.ts';
import { loadConfig } from '../../config/index.ts';
import { enabledProviders } from '../../gateway/index.ts';
import { CliError, printJson, withRuntime } from '../output.ts';

export function registerEvalGuardrailsCommand(program: Command): void {
  const evaluate =
    program.commands.find((c) => c.name() === 'eval') ??
    program.command('eval').description('measure Omni against evaluation sets');
  evaluate
    .command('guardrails')
    .description(
      'prompt-injection detection and false-positive rates on a labelled set (offline layer, and with the judge when a provider is configured)',
    )
    .option(
      '--set <name|path>',
      'held-out, tuning, or a JSON file with attacks and ordinary',
      'held-out',
    )
    .option('--offline', 'measure the offline layer only, even with a provider configured')
    .option('--verbose', 'also list the messages missed or wrongly blocked')
    .option('--json', 'print the figures as JSON')
    .action(
      async (options: { set: string; offline?: boolean; verbose?: boolean; json?: boolean }) => {
        let set: ReturnType<typeof loadGuardrailSet>;
        try {
          set = loadGuardrailSet(options.set);
        } catch (error) {
          throw new CliError(
            `cannot read the guardrail set ${options.set}: ${(error as Error).message}`,
          );
        }
        const config = loadConfig();
        const withJudge = !options.offline && enabledProviders(config).length > 0;
        const evaluation = withJudge
          ? await withRuntime((runtime) =>
              evaluateGuardrails(
                set,
                createInjectionJudge({
                  gateway: runtime.gateway,
                  logger: runtime.logger,
                  metrics: agentMetrics(runtime.metrics.registry),
                  maxLatencyMs: config.INJECTION_JUDGE_MAX_LATENCY_MS,
                }),
              ),
            )
          : await evaluateGuardrails(set);
        if (options.json) {
          printJson(options.verbose ? evaluation : withoutTexts(evaluation));
          return;
        }
        printReport(evaluation, options.verbose ?? false);
      },
    );
}

function withoutTexts(evaluation: GuardrailEvaluation): unknown {
  const strip = ({ missed: _m, wronglyBlocked: _w, ...rest }: LayerFigures) => rest;
  return {
    ...evaluation,
    offline: strip(evaluation.offline),
    ...(evaluation.withJudge
      ? {
          withJudge: {
            ...strip(evaluation.withJudge),
            judged: evaluation.withJudge.judged,
            unavailable: evaluation.withJudge.unavailable,
          },
        }
      : {}),
  };
}

const percent = (r: Rate) => `${(r.rate * 100).toFixed(1)}% (${r.hits}/${r.total})`;

function printReport(evaluation: GuardrailEvaluation, verbose: boolean): void {
  const out: string[] = [
    `Guardrail set "${evaluation.set.name}": ${evaluation.set.attacks} attacks, ${evaluation.set.ordinary} ordinary messages`,
  ];
  const layer = (title: string, figures: LayerFigures) => {
    out.push('', title);
    out.push(`  attacks caught            ${percent(figures.detection)}`);
    out.push(`  ordinary messages blocked ${percent(figures.falsePositives)}`);
    out.push('  caught by style:');
    for (const [style, rate] of Object.entries(figures.detectionByStyle)) {
      out.push(`    ${style.padEnd(20)} ${percent(rate)}`);
    }
    out.push('  ordinary blocked by kind:');
    for (const [style, rate] of Object.entries(figures.falsePositivesByStyle)) {
      out.push(`    ${style.padEnd(20)} ${percent(rate)}`);
    }
    if (verbose) {
      for (const text of figures.missed) out.push(`  missed: ${text.replace(/\s+/g, ' ')}`);
      for (const text of figures.wronglyBlocked)
        out.push(`  blocked: ${text.replace(/\s+/g, ' ')}`);
    }
  };
  layer('Offline layer (normalisation + patterns):', evaluation.offline);
  if (evaluation.withJudge) {
    layer(
      `Offline layer + judge (SIMPLE_QUERY_MODEL on ${evaluation.withJudge.judged} borderline messages, ${evaluation.withJudge.unavailable} without a verdict):`,
      evaluation.withJudge,
    );
  } else {
    out.push('', 'Judge: not measured (no LLM provider configured, or --offline).');
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
