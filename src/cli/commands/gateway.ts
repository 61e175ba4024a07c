/**
 * `omni sim llm` (the LLM simulator), `omni providers status`, `omni models list|set-price` (the
 * price table of SPEC §5.4).
 */
import type { Command } from 'commander';
import {
  isLlmProvider,
  listPrices,
  parseToolCall,
  parseUsage,
  recentAttempts,
  seedPrices,
  setPrice,
  startLlmSimulator,
} from '../../gateway/index.ts';
import { CliError, numberOption, printJson, printTable, say, withRuntime } from '../output.ts';
import { registerChannelSimulators, simulatorCommand } from './sim.ts';

export function registerGatewayCommands(program: Command): void {
  const sim = program
    .command('sim')
    .description('simulators of the outside world for tests and demos');
  simulatorCommand(
    sim,
    'llm',
    'an LLM server speaking OpenAI chat-completions and Anthropic messages; point OPENAI_BASE_URL / ANTHROPIC_BASE_URL at <url>/v1',
    4010,
  )
    .option('--latency-ms <ms>', 'delay before each answer', numberOption('--latency-ms'))
    .option(
      '--error-rate <share>',
      'share of requests answered 500 (0-1)',
      numberOption('--error-rate'),
    )
    .option(
      '--status <code>',
      'answer every request with this HTTP status (429, 500, 401…)',
      numberOption('--status'),
    )
    .option(
      '--retry-after <seconds>',
      'retry-after sent with 429/503',
      numberOption('--retry-after'),
    )
    .option('--hang', 'never answer (exercise client timeouts)')
    .option('--answer <text>', 'fixed answer text')
    .option('--echo', 'answer with the last user message')
    .option('--tool-call <name|json>', 'answer with a call of this tool')
    .option('--usage <input,output[,cached]>', 'token usage to report')
    .option('--api-key <key...>', 'accepted API keys (others get 401); default: any')
    .action(
      async (options: {
        port: number;
        host: string;
        latencyMs?: number;
        errorRate?: number;
        status?: number;
        retryAfter?: number;
        hang?: boolean;
        answer?: string;
        echo?: boolean;
        toolCall?: string;
        usage?: string;
        apiKey?: string[];
      }) => {
        const simulator = await startLlmSimulator({
          port: options.port,
          host: options.host,
          apiKeys: options.apiKey,
          behaviour: {
            latencyMs: options.latencyMs,
            errorRate: options.errorRate,
            status: options.status,
            retryAfterS: options.retryAfter,
            hang: options.hang,
            answer: options.answer,
            echo: options.echo,
            toolCall: parseToolCall(options.toolCall),
            usage: parseUsage(options.usage),
          },
        });
        say(`LLM simulator listening on ${simulator.url}`);
        say(`  OPENAI_BASE_URL=${simulator.url}/v1  ANTHROPIC_BASE_URL=${simulator.url}/v1`);
        say(
          '  per request: x-sim-latency-ms, x-sim-status, x-sim-retry-after, x-sim-hang, x-sim-answer,',
        );
        say(
          '  x-sim-echo, x-sim-tool-call, x-sim-usage, x-sim-error-rate; GET /_sim/requests counts them',
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await simulator.close();
      },
    );
  registerChannelSimulators(sim);

  program
    .command('providers')
    .description('LLM providers')
    .command('status')
    .description(
      'each provider: configured, healthy, breaker state, and its attempts of the last hour',
    )
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withRuntime(async ({ gateway, database }) => {
        const status = { ...gateway.status(), fallbackMode: await gateway.fallbackMode() };
        const recent = await recentAttempts(database.db, 60);
        if (options.json) return printJson({ ...status, last_hour: recent });
        say(
          status.fallbackMode
            ? 'Fallback mode is on: canned responses answer, no provider is called.'
            : `cascade: ${[...status.providers.filter((p) => p.configured).map((p) => p.provider), 'local'].join(' → ')}`,
        );
        printTable(
          status.providers.map((p) => ({
            ...p,
            problem: p.misconfigured ?? p.lastError?.message,
          })),
          ['provider', 'configured', 'healthy', 'breaker', 'model', 'problem'],
        );
        if (recent.length > 0) {
          say('last hour (every process, from llm_attempts):');
          printTable(recent, [
            'provider',
            'model',
            'ok',
            'errors',
            'skipped',
            'last_error_kind',
            'last_at',
          ]);
        }
      }),
    );

  const models = program.command('models').description('the LLM price table (ai_models)');
  models
    .command('list')
    .description('prices in USD per 1M tokens')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withRuntime(async ({ database }) => {
        await seedPrices(database.db);
        const prices = await listPrices(database.db);
        if (options.json) return printJson(prices);
        printTable(prices, [
          'provider',
          'model',
          'inputUsdPerMillion',
          'outputUsdPerMillion',
          'cachedInputUsdPerMillion',
        ]);
      }),
    );
  models
    .command('set-price <provider> <model>')
    .description(
      'set a model’s prices in USD per 1M tokens (running instances see it within a minute)',
    )
    .requiredOption('--input <usd>', 'input tokens', numberOption('--input'))
    .requiredOption('--output <usd>', 'output tokens', numberOption('--output'))
    .option(
      '--cached-input <usd>',
      'cached input tokens (default: the input price)',
      numberOption('--cached-input'),
    )
    .action(
      (
        provider: string,
        model: string,
        options: { input: number; output: number; cachedInput?: number },
      ) =>
        withRuntime(async ({ database }) => {
          if (!isLlmProvider(provider) && provider !== 'local') {
            throw new CliError(
              `"${provider}" is not an LLM provider: use openai, anthropic, google, xai, ollama or openai-compatible.`,
            );
          }
          await setPrice(database.db, {
            provider,
            model,
            inputUsdPerMillion: options.input,
            outputUsdPerMillion: options.output,
            cachedInputUsdPerMillion: options.cachedInput,
          });
          say(`${provider}/${model}: $${options.input} in, $${options.output} out per 1M tokens.`);
        }),
    );
}
